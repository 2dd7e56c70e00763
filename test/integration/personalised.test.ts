import { createProducer, Producer } from '../../src/producer';
import type { Config } from '../../src/shared/config';
import { createLogger } from '../../src/shared/logger';
import type { CampaignInfo, RecipientInput, RecipientResult } from '../../src/shared/types';
import { DEFAULT_FAULTS, startSimulator, Simulator } from '../../src/simulator';
import { SmsqWorker, startWorker } from '../../src/worker/worker';
import { deletePrefix, testConfig, testRedis, uniquePrefix, waitFor } from '../support/env';

const log = createLogger('silent');
const prefix = uniquePrefix('personalised');
let sim: Simulator;
let config: Config;
let producer: Producer;
const workers: SmsqWorker[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  config = testConfig(prefix, sim.baseUrl);
  producer = await createProducer(config, log);
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
  await producer.resume();
  sim.setFaults(DEFAULT_FAULTS);
});

afterAll(async () => {
  await producer.close();
  await sim.close();
  await deletePrefix(prefix);
});

async function worker(overrides: Partial<Config> = {}): Promise<void> {
  workers.push(await startWorker({ ...config, ...overrides }, log));
}

const CONTENT = 'Hi {{name}}, order {{order}} ships {{day|today}}';
let nextNumber = 3_320_000_000;
/** Recipients with three fields, every third without `day` (so the fallback is used), some names in Cyrillic. */
function recipients(n: number): RecipientInput[] {
  return Array.from({ length: n }, (_, i) => {
    const fields: Record<string, string> = { name: i % 5 === 0 ? `Аня${i}` : `Ana${i}`, order: String(4000 + i) };
    if (i % 3 !== 0) fields.day = i % 2 ? 'Monday' : 'Friday';
    return { number: String(nextNumber++), orderId: `o${nextNumber}`, fields };
  });
}
const rendered = (r: RecipientInput) => `Hi ${r.fields!.name}, order ${r.fields!.order} ships ${r.fields!.day ?? 'today'}`;

async function finished(campaignId: string): Promise<CampaignInfo> {
  return waitFor(`campaign ${campaignId} to settle`, async () => {
    const info = await producer.getCampaign(campaignId);
    return info.counts.pending === 0 && info.state !== 'running' && info.state !== 'queued' ? info : undefined;
  });
}

async function results(campaignId: string): Promise<RecipientResult[]> {
  const out: RecipientResult[] = [];
  for await (const r of producer.campaignResults(campaignId, { withContent: true })) out.push(r);
  return out;
}

it('sends each batch of a personalised campaign in one sendSms/batch call, every text its rendered template, no number twice', async () => {
  await worker();
  await worker();
  sim.setFaults({ transientRate: 0.1 });
  const list = recipients(2_500);
  const { campaignId } = await producer.enqueueCampaign({ content: CONTENT, recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ total: 2_500, sent: 2_500, failed: 0, unknown: 0 });
  const stats = sim.stats();
  // 3 batches: one accepted call each, plus the -18 answers that were retried.
  expect(stats.callsByStatus['0']).toBe(3);
  expect(stats.duplicates).toBe(0);
  for (const r of list) {
    const sent = sim.ledger.byOrderId(r.orderId!);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ number: r.number, content: rendered(r) });
  }
  const out = await results(campaignId);
  expect(out.map((r) => r.content)).toEqual(list.map(rendered));
  for (const r of out) expect(sim.ledger.byMsgId(r.msgId!)?.orderId).toBe(r.orderId);
});

it('matches a partial acceptance by orderId: numbers left out are NOT_ACCEPTED, the rest sent with their own msgId', async () => {
  await worker();
  const list = recipients(50);
  sim.setFaults({ refuseNumbers: [list[3].number, list[17].number] });
  const { campaignId } = await producer.enqueueCampaign({ content: CONTENT, recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 48, failed: 2 });
  const out = await results(campaignId);
  expect(out[3]).toMatchObject({ status: 'failed', code: 'NOT_ACCEPTED' });
  expect(out[17]).toMatchObject({ status: 'failed', code: 'NOT_ACCEPTED' });
  for (const r of out.filter((x) => x.status === 'sent')) {
    expect(sim.ledger.byMsgId(r.msgId!)).toMatchObject({ orderId: r.orderId, number: r.number, content: r.content });
  }
});

it('splits a call refused with -9 down to the abnormal numbers, sending every other text once', async () => {
  await worker();
  const list = recipients(200);
  sim.setFaults({ abnormalNumbers: [list[10].number, list[150].number] });
  const { campaignId } = await producer.enqueueCampaign({ content: CONTENT, recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 198, failed: 2, unknown: 0 });
  const out = await results(campaignId);
  expect(out[10]).toMatchObject({ status: 'failed', code: '-9' });
  expect(out[150]).toMatchObject({ status: 'failed', code: '-9' });
  for (const r of list) expect(sim.ledger.countFor(r.number)).toBe([list[10], list[150]].includes(r) ? 0 : 1);
  expect(sim.stats().duplicates).toBe(0);
});

it('marks a call whose answer was lost unknown and never resends it', async () => {
  await worker();
  sim.setFaults({ resetRate: 1 });
  const list = recipients(30);
  const { campaignId } = await producer.enqueueCampaign({ content: CONTENT, recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ unknown: 30, sent: 0 });
  for (const r of list) expect(sim.ledger.countFor(r.number)).toBe(1);
  expect((await results(campaignId))[0]).toMatchObject({ status: 'unknown', code: 'ECONNRESET' });
});

it('fails the campaign when the gateway refuses one of its texts', async () => {
  await worker({ batchSize: 10 });
  const list = recipients(40);
  list[5].fields!.name = 'Casino';
  sim.setFaults({ sensitiveWords: ['casino'] });
  const p = await createProducer({ ...config, batchSize: 10 }, log);
  try {
    const { campaignId } = await p.enqueueCampaign({ content: CONTENT, recipients: list });
    const info = await finished(campaignId);
    expect(info.state).toBe('failed');
    expect(info.failure).toMatchObject({ code: '-3' });
    expect(info.counts.sent + info.counts.failed).toBe(40);
  } finally {
    await p.close();
  }
});

it('stops the whole queue on -10 and, once resumed, sends each text once', async () => {
  await worker();
  sim.setFaults({ forceStatus: '-10' });
  const list = recipients(20);
  const { campaignId } = await producer.enqueueCampaign({ content: CONTENT, recipients: list });
  await waitFor('the account-level stop', async () => (await producer.accountStop()) ?? undefined);
  sim.setFaults({ forceStatus: null });
  await producer.resume();
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 20 });
  for (const r of list) expect(sim.ledger.byOrderId(r.orderId!).map((e) => e.content)).toEqual([rendered(r)]);
});

it('settles a call a dead run left in flight as unknown and sends only the others, each once', async () => {
  const list = recipients(10);
  const { campaignId } = await producer.enqueueCampaign({ content: CONTENT, recipients: list });
  // What a worker killed mid-call leaves behind: the call recorded in flight, no outcome.
  const redis = testRedis();
  await redis.hset(`${prefix}:campaign:${campaignId}:batch:0`, 'fly', JSON.stringify({ i: [0, 1, 2], at: Date.now() }), 'ft', 'dead-run');
  redis.disconnect();
  await worker();
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 7, unknown: 3 });
  const out = await results(campaignId);
  expect(out.slice(0, 3).every((r) => r.status === 'unknown' && r.code === 'IN_FLIGHT_LOST')).toBe(true);
  list.forEach((r, i) => expect(sim.ledger.countFor(r.number)).toBe(i < 3 ? 0 : 1));
});

it('cancels a personalised campaign: no call starts after cancel returns, the unsent end cancelled', async () => {
  await worker({ concurrency: 1 });
  sim.setFaults({ latencyMs: 150 });
  const list = recipients(10_000);
  const { campaignId } = await producer.enqueueCampaign({ content: CONTENT, recipients: list });
  await waitFor('the first batch to be sent', async () => ((await producer.getCampaign(campaignId)).counts.sent > 0 ? true : undefined));
  const callsAtCancel = sim.stats().calls;
  expect((await producer.cancelCampaign(campaignId)).state).toBe('cancelled');
  const end = await waitFor('every recipient settled', async () => {
    const i = await producer.getCampaign(campaignId);
    return i.counts.pending === 0 ? i : undefined;
  });
  expect(end.counts.sent + end.counts.cancelled).toBe(10_000);
  expect(end.counts.cancelled).toBeGreaterThan(7_000);
  expect(sim.stats().calls - callsAtCancel).toBeLessThanOrEqual(1);
  expect(sim.stats().duplicates).toBe(0);
});

it('keeps using sendSms for a campaign without placeholders', async () => {
  await worker();
  const before = sim.stats().calls;
  const list = recipients(10).map(({ number }) => ({ number }));
  const { campaignId } = await producer.enqueueCampaign({ content: 'Same text for all', recipients: list });
  await finished(campaignId);
  expect(sim.stats().calls - before).toBe(1);
  for (const r of list) expect(sim.ledger.countFor(r.number)).toBe(1);
});
