import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The last line of defence: a rejection nothing awaits in an `smsq` process (a bug) ends it with the error's name
 * and message only — never Node's dump of the error object, which for an ioredis error holds its command's
 * arguments (a batch's numbers and orderIds).
 */
const MAIN = path.resolve(__dirname, '../../dist/cli/main.js');

it.each([
  ['a rejection nothing awaits', 'Promise.reject(err)'],
  ['an exception nothing catches', 'setTimeout(() => { throw err; })'],
])('%s ends the process with exit code 1 and no argument of the error', (_what, raise) => {
  const script = `
    process.argv = [process.argv[0], 'smsq', '--version'];
    require(${JSON.stringify(MAIN)}).run();
    const err = Object.assign(new Error('OOM command not allowed'), { name: 'ReplyError', command: { name: 'hset', args: ['k', '447700123456', 'order-secret'] } });
    ${raise};
    setTimeout(() => undefined, 5000);`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('smsq: unexpected ReplyError: OOM command not allowed');
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/447700123456|order-secret/);
});
