import { createProducer } from '../../src/producer';
import { createLogger } from '../../src/shared/logger';
import { startWorker } from '../../src/worker/worker';
import { campaignEnded, resultsOf, useCampaignStack } from '../support/campaigns';
import { deletePrefix, testRedis, uniquePrefix, waitFor } from '../support/env';

const log = createLogger('silent');
const stack = useCampaignStack('pipeline');
const { worker } = stack;

/** Numbers unique across the whole file, so the simulator's ledger can be read per campaign. */
let nextNumber = 447_700_000_000;
function recipients(n: number, withOrderIds = true) {
  return Array.from({ length: n }, () => {
    const number = String(nextNumber++);
    return withOrderIds ? { number, orderId: `o-${number}` } : { number };
  });
}

const finished = (campaignId: string) => campaignEnded(stack.producer, campaignId);
const results = (campaignId: string) => resultsOf(stack.producer, campaignId);

it('sends a 25,000-recipient campaign with 10% -18 answers to every recipient exactly once, msgIds matched to orderIds', async () => {
  stack.sim.setFaults({ transientRate: 0.1 });
  await worker();
  const list = recipients(25_000);
  // Batches of 250 make 100 calls, so a 10% rate is all but sure to answer -18 at least once (1 - 0.9^100).
  const small = await createProducer({ ...stack.config, batchSize: 250 }, log);
  const { campaignId, total, batches } = await small.enqueueCampaign({ content: 'Hello from smsq', recipients: list });
  await small.close();
  expect({ total, batches }).toEqual({ total: 25_000, batches: 100 });

  const info = await finished(campaignId);
  expect(info.state).toBe('completed');
  expect(info.counts).toMatchObject({ total: 25_000, sent: 25_000, failed: 0, unknown: 0, pending: 0 });
  expect(stack.sim.stats().callsByStatus['-18']).toBeGreaterThan(0);

  const rows = await results(campaignId);
  expect(rows).toHaveLength(25_000);
  for (const r of rows) {
    expect(r.status).toBe('sent');
    const entry = stack.sim.ledger.byMsgId(r.msgId!);
    expect(entry).toMatchObject({ number: r.number, orderId: r.orderId });
    expect(stack.sim.ledger.countFor(r.number)).toBe(1);
  }
  expect(stack.sim.ledger.duplicates()).toBe(0);
});

it('fails the numbers the gateway leaves out of its array and sends the rest', async () => {
  await worker();
  const list = recipients(300);
  const refused = [list[5].number, list[150].number, list[299].number];
  stack.sim.setFaults({ refuseNumbers: refused });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'partial', recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 297, failed: 3, unknown: 0 });
  const failed = (await results(campaignId)).filter((r) => r.status === 'failed');
  expect(failed.map((r) => r.number).sort()).toEqual([...refused].sort());
  expect(failed.every((r) => r.code === 'NOT_ACCEPTED' && r.reason === 'not accepted by gateway')).toBe(true);
});

it('splits a batch refused with -9 to isolate the bad numbers, within a bounded number of calls', async () => {
  await worker();
  const list = recipients(1_000);
  const bad = [list[17].number, list[640].number];
  stack.sim.setFaults({ abnormalNumbers: bad });
  const callsBefore = stack.sim.stats().calls;
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'split me', recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 998, failed: 2 });
  const failed = (await results(campaignId)).filter((r) => r.status === 'failed');
  expect(failed.map((r) => [r.number, r.code])).toEqual(bad.map((n) => [n, '-9']));
  // Two bad numbers among 1000 take about 2·2·log2(1000) calls; the budget (64) bounds the worst case.
  expect(stack.sim.stats().calls - callsBefore).toBeLessThanOrEqual(1 + stack.config.splitMaxCalls);
  expect(stack.sim.ledger.duplicates()).toBe(0);
});

it('pauses the whole queue on -10 without losing the batch, then finishes after a top-up and resume', async () => {
  await worker();
  const list = recipients(3_000);
  stack.sim.setFaults({ balance: 1_500 });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'balance', recipients: list });
  const stop = await waitFor('an account-level stop', async () => (await stack.producer.accountStop()) ?? undefined);
  expect(stop).toMatchObject({ code: '-10' });
  const paused = await waitFor('the campaign to show paused with recipients pending', async () => {
    const info = await stack.producer.getCampaign(campaignId);
    return info.state === 'paused' && info.counts.sent === 1_000 ? info : undefined;
  });
  expect(paused.counts).toMatchObject({ failed: 0, unknown: 0, pending: 2_000 });

  stack.sim.topUp(10_000);
  await stack.producer.resume();
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 3_000, failed: 0, unknown: 0 });
  expect(await stack.producer.accountStop()).toBeNull();
  expect(stack.sim.ledger.duplicates()).toBe(0);
});

it('fails a campaign fast when the gateway refuses its content, without sending its other batches', async () => {
  await worker({ concurrency: 1 });
  stack.sim.setFaults({ sensitiveWords: ['forbidden'] });
  const callsBefore = stack.sim.stats().calls;
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'a forbidden word', recipients: recipients(10_000) });
  const info = await finished(campaignId);
  expect(info.state).toBe('failed');
  expect(info.failure).toMatchObject({ code: '-3' });
  expect(info.counts).toMatchObject({ failed: 10_000, sent: 0, pending: 0 });
  expect(stack.sim.stats().calls - callsBefore).toBe(1);
  const sample = (await results(campaignId))[9_999];
  expect(sample).toMatchObject({ status: 'failed', code: '-3' });
});

it('marks recipients unknown when the gateway never answers, and does not resend them', async () => {
  await worker();
  stack.sim.setFaults({ hangRate: 1 });
  const list = recipients(50);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'hang', recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ unknown: 50, sent: 0, failed: 0 });
  const rows = await results(campaignId);
  expect(rows.every((r) => r.status === 'unknown' && r.code === 'ETIMEDOUT')).toBe(true);
  // The simulator did accept them before hanging: exactly once each, never resent.
  for (const r of list) expect(stack.sim.ledger.countFor(r.number)).toBe(1);
});

it('shares one campaign between two workers with no recipient sent twice', async () => {
  await worker({ concurrency: 2 });
  await worker({ concurrency: 2 });
  stack.sim.setFaults({ latencyMs: 5, transientRate: 0.05 });
  const list = recipients(20_000, false);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'two workers', recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 20_000, failed: 0, unknown: 0 });
  for (const r of list) expect(stack.sim.ledger.countFor(r.number)).toBe(1);
  // Generated orderIds come back with their msgIds.
  const first = (await results(campaignId))[0];
  expect(first.orderId).toBe('smsq-1');
  expect(stack.sim.ledger.byMsgId(first.msgId!)?.orderId).toBe('smsq-1');
});

it('cancels a campaign: no call starts after cancel returns and unsent recipients end cancelled', async () => {
  await worker({ concurrency: 1 });
  stack.sim.setFaults({ latencyMs: 150 });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'cancel me', recipients: recipients(20_000) });
  await waitFor('the first batch to be sent', async () =>
    (await stack.producer.getCampaign(campaignId)).counts.sent > 0 ? true : undefined,
  );
  const callsAtCancel = stack.sim.stats().calls;
  const info = await stack.producer.cancelCampaign(campaignId);
  expect(info.state).toBe('cancelled');
  const end = await waitFor('every recipient settled', async () => {
    const i = await stack.producer.getCampaign(campaignId);
    return i.counts.pending === 0 ? i : undefined;
  });
  expect(end.counts.sent + end.counts.cancelled).toBe(20_000);
  expect(end.counts.cancelled).toBeGreaterThan(15_000);
  // At most the one call that was already in flight when cancel returned.
  expect(stack.sim.stats().calls - callsAtCancel).toBeLessThanOrEqual(1);
});

it('settles a call left in flight by a dead run as unknown instead of sending it again', async () => {
  const list = recipients(10);
  stack.sim.setFaults({ latencyMs: 0 });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'stale', recipients: list });
  // What a worker killed mid-call leaves behind: the call recorded in flight, no outcome.
  const redis = testRedis();
  await redis.hset(
    `${stack.prefix}:campaign:${campaignId}:batch:0`,
    'fly',
    JSON.stringify({ i: [0, 1, 2], at: Date.now() }),
    'ft',
    'dead-run',
  );
  redis.disconnect();
  await worker();
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 7, unknown: 3 });
  const rows = await results(campaignId);
  expect(rows.slice(0, 3).every((r) => r.status === 'unknown' && r.code === 'IN_FLIGHT_LOST')).toBe(true);
  for (const r of list.slice(0, 3)) expect(stack.sim.ledger.countFor(r.number)).toBe(0);
});

it('trims the events stream to about EVENTS_MAX_LEN when more batch results than that pass through it', async () => {
  // A short stream and a prefix of this test's own: the file's other campaigns stay below the default 1000 events.
  const eventsMaxLen = 50;
  const own = uniquePrefix('pipeline-events');
  const short = { ...stack.config, queuePrefix: own, eventsMaxLen, batchSize: 10 };
  const w = await startWorker(short, log);
  const p = await createProducer(short, log);
  const redis = testRedis();
  try {
    // 100 batches: each adds several events (waiting, active, completed…), hundreds in all.
    const { campaignId } = await p.enqueueCampaign({ content: 'events', recipients: recipients(1_000) });
    expect((await campaignEnded(p, campaignId)).counts).toMatchObject({ sent: 1_000 });
    const info = (await redis.xinfo('STREAM', `${own}:batches:events`)) as unknown[];
    const field = (name: string) => Number(info[info.indexOf(name) + 1]);
    // BullMQ trims approximately (whole stream nodes): allow its slack above EVENTS_MAX_LEN.
    const bound = eventsMaxLen * 1.5 + 100;
    expect(field('entries-added')).toBeGreaterThan(bound);
    expect(field('length')).toBeGreaterThanOrEqual(eventsMaxLen);
    expect(field('length')).toBeLessThan(bound);
  } finally {
    redis.disconnect();
    await p.close();
    await w.close();
    await deletePrefix(own);
  }
});

it('holds a global rate limit shared by two workers', async () => {
  const limited = { rateLimitPerSecond: 4 };
  await worker(limited);
  await worker(limited);
  const list = recipients(200);
  const small = await createProducer({ ...stack.config, batchSize: 10 }, log);
  const { campaignId } = await small.enqueueCampaign({ content: 'rate limited', recipients: list });
  await small.close();
  await finished(campaignId);
  // One call per batch of 10: the times the simulator accepted the first number of each call.
  const firsts = new Set(list.filter((_, i) => i % 10 === 0).map((r) => r.number));
  const callTimes = [...stack.sim.ledger.entries()]
    .filter((e) => firsts.has(e.number))
    .map((e) => e.at)
    .sort((a, b) => a - b);
  expect(callTimes).toHaveLength(20);
  // BullMQ's limiter counts fixed windows, so any sliding second holds at most two windows' worth.
  for (let i = 0; i < callTimes.length; i++) {
    const inSecond = callTimes.filter((t) => t >= callTimes[i] && t < callTimes[i] + 1_000).length;
    expect(inSecond).toBeLessThanOrEqual(2 * limited.rateLimitPerSecond);
  }
});
