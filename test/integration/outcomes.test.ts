import { createProducer, Producer } from '../../src/producer';
import type { Config } from '../../src/shared/config';
import { jobIds } from '../../src/shared/keys';
import { createLogger } from '../../src/shared/logger';
import { openQueues, Queues } from '../../src/shared/queues';
import type { BatchJobResult, CampaignInfo, RecipientResult } from '../../src/shared/types';
import { DEFAULT_FAULTS, startSimulator, Simulator } from '../../src/simulator';
import { SmsqWorker, startWorker } from '../../src/worker/worker';
import type { RedisClient } from '../../src/shared/redis';
import { deletePrefix, testConfig, testRedis, uniquePrefix, waitFor } from '../support/env';

const log = createLogger('silent');
const prefix = uniquePrefix('outcomes');
let sim: Simulator;
let config: Config;
let producer: Producer;
let redis: RedisClient;
let queues: Queues;
const workers: SmsqWorker[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  config = testConfig(prefix, sim.baseUrl);
  producer = await createProducer(config, log);
  redis = testRedis();
  queues = openQueues(config, redis);
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
  await producer.resume();
  sim.setFaults(DEFAULT_FAULTS);
});

afterAll(async () => {
  await queues.close();
  redis.disconnect();
  await producer.close();
  await sim.close();
  await deletePrefix(prefix);
});

async function worker(overrides: Partial<Config> = {}): Promise<void> {
  workers.push(await startWorker({ ...config, ...overrides }, log));
}

let nextNumber = 3_310_000_000;
const recipients = (n: number) => Array.from({ length: n }, () => ({ number: String(nextNumber++) }));

async function finished(campaignId: string): Promise<CampaignInfo> {
  return waitFor(`campaign ${campaignId} to settle`, async () => {
    const info = await producer.getCampaign(campaignId);
    return info.counts.pending === 0 && info.state !== 'running' && info.state !== 'queued' ? info : undefined;
  });
}

async function results(campaignId: string): Promise<RecipientResult[]> {
  const out: RecipientResult[] = [];
  for await (const r of producer.campaignResults(campaignId)) out.push(r);
  return out;
}

it("records each recipient's msgId ↔ orderId mapping in the results, a batch summary as the job result, and expires results after the retention time", async () => {
  await worker();
  const list = recipients(1_500).map((r, i) => ({ ...r, orderId: `ord-${i}` }));
  const { campaignId } = await producer.enqueueCampaign({ content: 'mapping', recipients: list });
  await finished(campaignId);
  // The campaign is counted complete inside the job, a moment before BullMQ stores the job's returnvalue.
  const result = await waitFor('the batch job to complete', async () => {
    const job = await queues.batches.getJob(jobIds.batch(campaignId, 1));
    return (job?.returnvalue as BatchJobResult | null) ?? undefined;
  });
  expect(result).toEqual({ campaignId, batch: 1, counts: { sent: 500 } });
  const all = await results(campaignId);
  expect(all).toHaveLength(1_500);
  for (const r of all) {
    expect(r.status).toBe('sent');
    expect(sim.ledger.byMsgId(r.msgId!)?.orderId).toBe(r.orderId);
  }

  const ttl = await redis.ttl(`${prefix}:campaign:${campaignId}`);
  expect(ttl).toBeGreaterThan(config.resultRetentionSeconds - 60);
  expect(ttl).toBeLessThanOrEqual(config.resultRetentionSeconds);
  expect(await redis.ttl(`${prefix}:campaign:${campaignId}:batch:0`)).toBeGreaterThan(config.resultRetentionSeconds - 60);
});

it('fails a batch with its last reason once its attempts are used up, without an unknown', async () => {
  await worker({ attempts: 3 });
  sim.setFaults({ transientRate: 1 });
  const list = recipients(20);
  const { campaignId } = await producer.enqueueCampaign({ content: 'never', recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ failed: 20, sent: 0, unknown: 0 });
  const [first] = await results(campaignId);
  expect(first).toMatchObject({ status: 'failed', code: '-18' });
  expect(first.reason).toContain('after 3 attempts');
  const job = await queues.batches.getJob(jobIds.batch(campaignId, 0));
  expect(await job!.getState()).toBe('failed');
  expect(job!.attemptsMade).toBe(3);
  for (const r of list) expect(sim.ledger.countFor(r.number)).toBe(0);
});

it('retries HTTP 500 and 429 answers until the batch goes through', async () => {
  await worker();
  sim.setFaults({ http500Rate: 0.3, http429Rate: 0.2 });
  const list = recipients(5_000);
  const { campaignId } = await producer.enqueueCampaign({ content: 'flaky', recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 5_000, failed: 0, unknown: 0 });
  for (const r of list) expect(sim.ledger.countFor(r.number)).toBe(1);
});

it('treats a reset connection and a 200 that is not JSON as unknown, never resending', async () => {
  await worker();
  sim.setFaults({ resetRate: 1 });
  const list = recipients(20);
  const reset = await producer.enqueueCampaign({ content: 'reset', recipients: list.slice(0, 10) });
  const r1 = await finished(reset.campaignId);
  expect(r1.counts).toMatchObject({ unknown: 10, sent: 0 });
  sim.setFaults({ resetRate: 0, garbageRate: 1 });
  const garbage = await producer.enqueueCampaign({ content: 'garbage', recipients: list.slice(10) });
  const r2 = await finished(garbage.campaignId);
  expect(r2.counts).toMatchObject({ unknown: 10, sent: 0 });
  expect((await results(garbage.campaignId))[0]).toMatchObject({ status: 'unknown', code: 'BAD_REPLY' });
  // The simulator accepted each before failing its answer: once, and never again.
  for (const r of list) expect(sim.ledger.countFor(r.number)).toBe(1);
});

it('resends unknown outcomes only when SMS_RETRY_UNKNOWN opts in', async () => {
  await worker({ retryUnknown: true, attempts: 20 });
  sim.setFaults({ garbageRate: 1 });
  const garbledBefore = sim.stats().garbage;
  const { campaignId } = await producer.enqueueCampaign({ content: 'retry unknown', recipients: recipients(4_000) });
  await waitFor('a garbled answer', async () => (sim.stats().garbage > garbledBefore ? true : undefined));
  sim.setFaults({ garbageRate: 0 });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 4_000, unknown: 0 });
  // The price of opting in: what the garbled answers hid was accepted, and is accepted again.
  expect(sim.ledger.duplicates()).toBeGreaterThan(0);
});

it('retries when the gateway cannot be reached at all, then fails with the connection error', async () => {
  const closed = await startSimulator();
  const url = closed.baseUrl;
  await closed.close();
  workers.push(await startWorker({ ...config, attempts: 2, gateway: { ...config.gateway, baseUrl: url } }, log));
  const { campaignId } = await producer.enqueueCampaign({ content: 'nobody home', recipients: recipients(5) });
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
  sim.setFaults({ forceStatus: status });
  const { campaignId } = await producer.enqueueCampaign({ content: `stop ${status}`, recipients: recipients(2_000) });
  const stop = await waitFor('an account-level stop', async () => (await producer.accountStop()) ?? undefined);
  expect(stop).toMatchObject({ code: status });
  expect(stop.operatorAction).toContain(action);
  const info = await waitFor('the campaign to show paused', async () => {
    const i = await producer.getCampaign(campaignId);
    return i.state === 'paused' ? i : undefined;
  });
  expect(info.counts).toMatchObject({ pending: 2_000, failed: 0, unknown: 0 });
  // Both batches went back to waiting without using an attempt.
  const job = await queues.batches.getJob(jobIds.batch(campaignId, 0));
  expect(job!.attemptsMade).toBe(0);
  sim.setFaults({ forceStatus: null });
  await producer.resume();
  expect((await finished(campaignId)).counts).toMatchObject({ sent: 2_000 });
});

it('retries -16 with fresh timestamps, then stops the queue and blames the clock when it persists', async () => {
  await worker();
  sim.setFaults({ clockSkewSeconds: 7_200 });
  const { campaignId } = await producer.enqueueCampaign({ content: 'clock', recipients: recipients(10) });
  const stop = await waitFor('an account-level stop', async () => (await producer.accountStop()) ?? undefined);
  expect(stop).toMatchObject({ code: '-16' });
  expect(stop.operatorAction).toContain('clock');
  expect(sim.stats().callsByStatus['-16']).toBe(3);
  sim.setFaults({ clockSkewSeconds: 0 });
  await producer.resume();
  expect((await finished(campaignId)).counts).toMatchObject({ sent: 10 });
});

it.each([
  ['-7', true],
  ['-8', true],
  ['-42', false],
])('fails the batch for good on %s, with the raw status as the reason', async (status) => {
  await worker();
  sim.setFaults({ forceStatus: status });
  const { campaignId } = await producer.enqueueCampaign({ content: `permanent ${status}`, recipients: recipients(3) });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ failed: 3, sent: 0 });
  expect((await results(campaignId))[0]).toMatchObject({ status: 'failed', code: status });
  const job = await queues.batches.getJob(jobIds.batch(campaignId, 0));
  expect(await job!.getState()).toBe('failed');
  expect(job!.attemptsMade).toBe(1);
});
