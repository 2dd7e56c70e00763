import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import IORedis from 'ioredis';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { waitUntil } from '../support/env';
import { OwnRedis } from '../support/redis-server';

/**
 * An `smsq worker` process whose Redis fills up (maxmemory under noeviction) while calls are out: it stays up,
 * sends nothing while Redis refuses writes, and once there is room again every recipient is in the gateway's ledger
 * exactly once and `sent` in the results (calls whose outcome could not be recorded are settled from the gateway's
 * records, never resent). No log line shows a number or an orderId.
 */
const redis = new OwnRedis(23_000 + Math.floor(Math.random() * 2_000));
const ROWS = 3_000;
const number = (i: number) => String(447_955_000_000 + i);
const stack = useCampaignStack('redis-full-worker', {
  // The test's own Redis, also under test:cluster.
  redis,
  producer: false,
  dir: true,
  // Calls take a second, so that some are out when Redis fills.
  simulator: { faults: { latencyMs: 1_000 } },
  env: { LOG_LEVEL: 'info', SMS_BATCH_SIZE: '100', SMS_AUTO_SETTLE: 'true', SMS_SETTLE_AFTER_MS: '0' },
});
let admin: IORedis;
beforeAll(() => {
  admin = new IORedis(redis.url);
  admin.on('error', () => undefined);
});
afterAll(() => admin.disconnect());

it('a worker whose Redis fills mid-campaign stays up, and once there is room every recipient is sent exactly once', async () => {
  const file = path.join(stack.dir, 'list.csv');
  await writeFile(file, Array.from({ length: ROWS }, (_, i) => `${number(i)},secret-${i}`).join('\n'));
  const queued = await runSmsq(['enqueue', file, '--content', 'hello', '--campaign-id', 'fills'], stack.env);
  expect(queued.code).toBe(0);

  const worker = stack.workerProcess();
  await worker.started();
  await waitUntil('the first calls to be accepted', () => stack.sim.ledger.size > 0, 30_000, 20);
  await admin.config('SET', 'maxmemory', '1');
  // The simulator takes a call's messages when it arrives and answers a second later: the calls it has seen are
  // out. Redis stays full until each of their runs has met the refusal (recording its outcomes, at the latest).
  const out = stack.sim.stats().calls;
  const refusedRuns = () => {
    if (worker.child.exitCode !== null)
      throw new Error(`the worker exited (${worker.child.exitCode}) while Redis was full:\n${worker.logs.slice(-3_000)}`);
    return worker.logs.split('Redis refused this run').length - 1;
  };
  await waitUntil(`the ${out} runs with a call out to meet the refusal`, () => refusedRuns() >= out, 30_000, 50);
  expect(stack.sim.ledger.size).toBeLessThan(ROWS);
  expect(worker.child.exitCode).toBeNull();

  await admin.config('SET', 'maxmemory', '0');
  await waitUntil(
    'the campaign to complete',
    async () => (await admin.hget(`${stack.prefix}:campaign:fills`, 'state')) === 'completed',
    120_000,
    200,
  );
  expect(worker.child.exitCode).toBeNull();

  const counts = await admin.hmget(`${stack.prefix}:campaign:fills`, 'total', 'sent', 'unknown', 'failed');
  expect(counts).toEqual([String(ROWS), String(ROWS), '0', '0']);
  const times = Array.from({ length: ROWS }, (_, i) => stack.sim.ledger.countFor(number(i)));
  expect(times.filter((t) => t !== 1)).toEqual([]);
  expect(stack.sim.ledger.duplicates()).toBe(0);
  expect(worker.logs).not.toMatch(/4479550\d{5}|secret-\d/);
}, 240_000);
