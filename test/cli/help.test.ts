/** `smsq <command> --help`, `smsq --version`, and what status and wait say when no worker is connected. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runSmsq } from '../support/cli';
import { deletePrefix, testEnv, uniquePrefix } from '../support/env';

const prefix = uniquePrefix('cli-help');
// No Redis and no gateway needed for help: an unreachable Redis proves help does not connect.
const offline = testEnv(prefix, 'http://127.0.0.1:9/sms', { REDIS_URL: 'redis://127.0.0.1:1' });
const COMMANDS = [
  'worker',
  'server',
  'enqueue',
  'preview',
  'status',
  'wait',
  'results',
  'list',
  'cancel',
  'max-cost',
  'reschedule',
  'settle',
  'reconcile',
  'balance',
  'accounts',
  'pause',
  'resume',
  'suppress',
  'replies',
  'simulator',
];

afterAll(() => deletePrefix(prefix));

it.each(COMMANDS)('answers smsq %s --help with its usage, exit 0, without Redis', async (command) => {
  for (const flag of ['--help', '-h']) {
    const { code, stdout, stderr } = await runSmsq([command, flag], offline);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: smsq ${command}`));
  }
  expect((await runSmsq(['help', command], offline)).stdout).toMatch(new RegExp(`^Usage: smsq ${command}`));
});

it('prints its version with --version', async () => {
  const { version } = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const { code, stdout } = await runSmsq([flag], offline);
    expect(code).toBe(0);
    expect(stdout).toBe(`smsq ${version}\n`);
  }
});

it('lists every command in its usage, and points at --help', async () => {
  const { code, stdout } = await runSmsq(['--help'], offline);
  expect(code).toBe(0);
  for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  (\\w+ \\| )?${command}\\b`, 'm'));
  expect(stdout).toMatch(/smsq <command> --help/);
});

describe('with no worker connected to the queue', () => {
  const env = testEnv(prefix, 'http://127.0.0.1:9/sms');
  let id: string;

  beforeAll(async () => {
    const queued = await runSmsq(
      ['enqueue', '-', '--format', 'csv', '--content', 'Hi', '--no-balance-check'],
      env,
      '447744000001\n447744000002\n',
    );
    expect(queued.code).toBe(0);
    id = queued.stdout.trim();
  });

  it('smsq status says that nothing is sending', async () => {
    const { code, stdout, stderr } = await runSmsq(['status', id], env);
    expect(code).toBe(0);
    expect(stdout).toMatch(/: queued/);
    expect(stderr).toMatch(/no worker is connected to the queue.*smsq worker/);
  });

  it('smsq wait says so instead of waiting silently', async () => {
    const { code, stderr } = await runSmsq(['wait', id, '--timeout', '1'], env);
    expect(code).toBe(1);
    expect(stderr).toMatch(/no worker is connected to the queue/);
    expect(stderr).toMatch(/timed out after 1 s/);
  });

  it('smsq status --json gives times in ISO 8601', async () => {
    const { stdout } = await runSmsq(['status', id, '--json'], env);
    expect(JSON.parse(stdout)).toMatchObject({
      campaignId: id,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      priority: 'normal',
    });
  });
});
