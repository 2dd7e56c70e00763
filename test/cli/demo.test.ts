import { spawn } from 'node:child_process';
import path from 'node:path';
import { deletePrefix, REDIS_CLUSTER_NODES, REDIS_URL, uniquePrefix, waitFor } from '../support/env';

const DEMO = path.resolve(__dirname, '../../dist/cli/demo.js');
const prefix = uniquePrefix('demo');

afterAll(async () => {
  await deletePrefix(prefix);
  await deletePrefix(`${prefix}-accounts`);
});

/** `npm run demo` without the build step, as a process. */
function demo(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [DEMO, ...args], {
    env: { PATH: process.env.PATH ?? '', ...(REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out, exited };
}

it('runs the simulator, two workers and the server, sends 20,000 recipients, prints where to look and exits with --exit', async () => {
  const { out, exited } = demo(['--exit'], { REDIS_URL, QUEUE_PREFIX: prefix, SERVER_PORT: '0' });
  expect(await exited).toBe(0);
  expect(out.stderr).toBe('');
  expect(out.stdout).toMatch(/console {4}http:\/\/127\.0\.0\.1:\d+\/ \(no login: it listens on 127\.0\.0\.1 only\)/);
  expect(out.stdout).toMatch(/bull-board http:\/\/127\.0\.0\.1:\d+\/admin\/queues/);
  expect(out.stdout).toMatch(/Authorization: Bearer [0-9a-f]{48}/);
  expect(out.stdout).toContain('100.0%');
  expect(out.stdout).toMatch(/: completed\n {2}total 20000 {2}sent 20000 {2}failed 0 {2}unknown 0/);
  expect(out.stdout).toContain('20000 accepted, 0 duplicates');
}, 120_000);

it('with --accounts, sends through two accounts: the first runs out of balance part-way and the rest goes out on the second', async () => {
  const { out, exited } = demo(['--exit', '--accounts'], { REDIS_URL, QUEUE_PREFIX: `${prefix}-accounts`, SERVER_PORT: '0' });
  expect(await exited).toBe(0);
  // The one error an operator would see: main's stop, logged once, saying what to do.
  const errors = out.stderr
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { account: string; code: string; msg: string });
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ account: 'main', code: '-10' });
  expect(errors[0].msg).toContain('smsq accounts resume main');
  expect(out.stdout).toMatch(/: completed\n {2}total 20000 {2}sent 20000 {2}failed 0 {2}unknown 0/);
  expect(out.stdout).toContain('20000 accepted, 0 duplicates');
  expect(out.stdout).toMatch(/account main: 8000 accepted; ran out of balance \(\d+ calls answered -10\), its recipients moved on\n/);
  expect(out.stdout).toContain('account backup: 12000 accepted\n');
}, 120_000);

it('keeps serving the dashboard after the campaign until Ctrl-C, then exits 0', async () => {
  const { child, out, exited } = demo([], { REDIS_URL, QUEUE_PREFIX: prefix, SERVER_PORT: '0' });
  const url = await waitFor('the demo to finish its campaign', async () => /until Ctrl-C \((http:\S+)\)/.exec(out.stdout)?.[1], 110_000);
  expect((await fetch(url)).status).toBe(200);
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(out.stdout).toContain('stopping');
}, 120_000);

it('says in one line that Redis is not running, and how to start one', async () => {
  const { out, exited } = demo(['--exit'], { REDIS_URL: 'redis://127.0.0.1:1', REDIS_CLUSTER_NODES: '', QUEUE_PREFIX: prefix });
  expect(await exited).toBe(1);
  expect(out.stderr.trim().split('\n')).toHaveLength(1);
  expect(out.stderr).toMatch(/^demo: Redis is not reachable at redis:\/\/127\.0\.0\.1:1 .*redis-server.*docker run -p 6379:6379 redis:7/);
});
