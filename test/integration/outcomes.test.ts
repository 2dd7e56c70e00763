import { jobIds } from '../../src/shared/redis/keys';
import { createLogger } from '../../src/shared/logger';
import { openQueues, type Queues } from '../../src/shared/queues';
import { startSimulator } from '../../src/simulator';
import type { RedisClient } from '../../src/shared/redis/connection';
import { campaignSettled, resultsOf, useCampaignStack } from '../support/campaigns';
import { testRedis, waitFor } from '../support/env';

const stack = useCampaignStack('outcomes');
const { worker } = stack;
let redis: RedisClient;
let queues: Queues;

beforeAll(() => {
  redis = testRedis();
  queues = openQueues(stack.config, redis);
});

afterAll(async () => {
  await queues.close();
  redis.disconnect();
});

let nextNumber = 3_310_000_000;
const recipients = (n: number) => Array.from({ length: n }, () => ({ number: String(nextNumber++) }));

const finished = (campaignId: string) => campaignSettled(stack.producer, campaignId);
const results = (campaignId: string) => resultsOf(stack.producer, campaignId);

it("records each recipient's msgId ↔ orderId mapping in the results, a batch summary as the job result, and expires results after the retention time", async () => {
  await worker();
  const list = recipients(1_500).map((r, i) => ({ ...r, orderId: `ord-${i}` }));
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'mapping', recipients: list });
  await finished(campaignId);
  // The campaign is counted complete inside the job, a moment before BullMQ stores the job's returnvalue.
  const result = await waitFor('the batch job to complete', async () => {
    const job = await queues.batches.getJob(jobIds.batch(campaignId, 1));
    return job?.returnvalue ?? undefined;
  });
  expect(result).toEqual({ campaignId, batch: 1, counts: { sent: 500 } });
  const all = await results(campaignId);
  expect(all).toHaveLength(1_500);
  for (const r of all) {
    expect(r.status).toBe('sent');
    expect(stack.sim.ledger.byMsgId(r.msgId!)?.orderId).toBe(r.orderId);
  }

  const ttl = await redis.ttl(`${stack.prefix}:campaign:${campaignId}`);
  expect(ttl).toBeGreaterThan(stack.config.resultRetentionSeconds - 60);
  expect(ttl).toBeLessThanOrEqual(stack.config.resultRetentionSeconds);
  expect(await redis.ttl(`${stack.prefix}:campaign:${campaignId}:batch:0`)).toBeGreaterThan(stack.config.resultRetentionSeconds - 60);
});

it('fails a batch with its last reason once its attempts are used up, without an unknown', async () => {
  await worker({ attempts: 3 });
  stack.sim.setFaults({ transientRate: 1 });
  const list = recipients(20);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'never', recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ failed: 20, sent: 0, unknown: 0 });
  const [first] = await results(campaignId);
  expect(first).toMatchObject({ status: 'failed', code: '-18' });
  expect(first.reason).toContain('after 3 attempts');
  const job = await queues.batches.getJob(jobIds.batch(campaignId, 0));
  expect(await job!.getState()).toBe('failed');
  expect(job!.attemptsMade).toBe(3);
  for (const r of list) expect(stack.sim.ledger.countFor(r.number)).toBe(0);
});

it('retries HTTP 500 and 429 answers until the batch goes through', async () => {
  // Half the calls fail: with the default 6 attempts one batch in 64 would run out of them (a flaky test).
  await worker({ attempts: 30 });
  stack.sim.setFaults({ http500Rate: 0.3, http429Rate: 0.2 });
  const list = recipients(5_000);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'flaky', recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 5_000, failed: 0, unknown: 0 });
  for (const r of list) expect(stack.sim.ledger.countFor(r.number)).toBe(1);
});

it('treats a reset connection and a 200 that is not JSON as unknown, never resending', async () => {
  await worker();
  stack.sim.setFaults({ resetRate: 1 });
  const list = recipients(20);
  const reset = await stack.producer.enqueueCampaign({ content: 'reset', recipients: list.slice(0, 10) });
  const r1 = await finished(reset.campaignId);
  expect(r1.counts).toMatchObject({ unknown: 10, sent: 0 });
  stack.sim.setFaults({ resetRate: 0, garbageRate: 1 });
  const garbage = await stack.producer.enqueueCampaign({ content: 'garbage', recipients: list.slice(10) });
  const r2 = await finished(garbage.campaignId);
  expect(r2.counts).toMatchObject({ unknown: 10, sent: 0 });
  expect((await results(garbage.campaignId))[0]).toMatchObject({ status: 'unknown', code: 'BAD_REPLY' });
  // The simulator accepted each before failing its answer: once, and never again.
  for (const r of list) expect(stack.sim.ledger.countFor(r.number)).toBe(1);
});

it('resends unknown outcomes only when SMS_RETRY_UNKNOWN opts in', async () => {
  await worker({ retryUnknown: true, attempts: 20 });
  stack.sim.setFaults({ garbageRate: 1 });
  const garbledBefore = stack.sim.stats().garbage;
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'retry unknown', recipients: recipients(4_000) });
  await waitFor('a garbled answer', async () => (stack.sim.stats().garbage > garbledBefore ? true : undefined));
  stack.sim.setFaults({ garbageRate: 0 });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 4_000, unknown: 0 });
  // The price of opting in: what the garbled answers hid was accepted, and is accepted again.
  expect(stack.sim.ledger.duplicates()).toBeGreaterThan(0);
});

it('retries when the gateway cannot be reached at all, then fails with the connection error', async () => {
  const closed = await startSimulator();
  const url = closed.baseUrl;
  await closed.close();
  await worker({ attempts: 2, gateway: { ...stack.config.gateway, baseUrl: url } });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'nobody home', recipients: recipients(5) });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ failed: 5, unknown: 0 });
  expect((await results(campaignId))[0]).toMatchObject({ code: 'ECONNREFUSED' });
});

it.each([
  ['-13', 'unlock'],
  ['-1', 'SMS_API_KEY'],
  ['-2', 'allow list'],
  ['-19', 'channel'],
])('stops the whole queue on %s and tells the operator what to fix', async (status, action) => {
  await worker();
  stack.sim.setFaults({ forceStatus: status });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: `stop ${status}`, recipients: recipients(2_000) });
  const stop = await waitFor('an account-level stop', async () => (await stack.producer.accountStop()) ?? undefined);
  expect(stop).toMatchObject({ code: status });
  expect(stop.operatorAction).toContain(action);
  const info = await waitFor('the campaign to show paused', async () => {
    const i = await stack.producer.getCampaign(campaignId);
    return i.state === 'paused' ? i : undefined;
  });
  expect(info.counts).toMatchObject({ pending: 2_000, failed: 0, unknown: 0 });
  // Both batches went back to waiting without using an attempt.
  const job = await queues.batches.getJob(jobIds.batch(campaignId, 0));
  expect(job!.attemptsMade).toBe(0);
  stack.sim.setFaults({ forceStatus: null });
  await stack.producer.resume();
  expect((await finished(campaignId)).counts).toMatchObject({ sent: 2_000 });
});

it('retries -16 with fresh timestamps, then stops the queue and blames the clock when it persists', async () => {
  await worker();
  stack.sim.setFaults({ clockSkewSeconds: 7_200 });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'clock', recipients: recipients(10) });
  const stop = await waitFor('an account-level stop', async () => (await stack.producer.accountStop()) ?? undefined);
  expect(stop).toMatchObject({ code: '-16' });
  expect(stop.operatorAction).toContain('clock');
  expect(stack.sim.stats().callsByStatus['-16']).toBe(3);
  stack.sim.setFaults({ clockSkewSeconds: 0 });
  await stack.producer.resume();
  expect((await finished(campaignId)).counts).toMatchObject({ sent: 10 });
});

it.each([
  ['-7', 'too many numbers in one call', true],
  ['-8', 'numbers are empty', true],
  ['-42', 'gateway status -42', false],
])(
  'fails the batch for good on %s: the status is the code, the reason says %p, and the log calls it a bug of ours: %s',
  async (status, reason, ourBug) => {
    const lines: string[] = [];
    stack.sim.setFaults({ forceStatus: status });
    await worker({}, { logger: createLogger('error', 'smsq', { write: (line: string) => void lines.push(line) }) });
    const { campaignId } = await stack.producer.enqueueCampaign({ content: `permanent ${status}`, recipients: recipients(3) });
    const info = await finished(campaignId);
    expect(info.counts).toMatchObject({ failed: 3, sent: 0 });
    const [first] = await results(campaignId);
    expect(first).toMatchObject({ status: 'failed', code: status });
    expect(first.reason).toContain(reason);
    const job = await queues.batches.getJob(jobIds.batch(campaignId, 0));
    expect(await job!.getState()).toBe('failed');
    expect(job!.attemptsMade).toBe(1);
    // -7 and -8 mean smsq built a malformed call: the worker's error log says so; a status it does not know is the gateway's.
    const logged = lines.map((l) => JSON.parse(l) as { code?: string; bug?: boolean; msg: string }).filter((l) => l.code === status);
    expect(logged).toEqual([
      expect.objectContaining({ bug: ourBug, msg: expect.stringMatching(ourBug ? /a bug in smsq$/ : /^batch failed: /) }),
    ]);
  },
);
