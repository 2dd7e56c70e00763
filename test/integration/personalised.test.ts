import { createProducer } from '../../src/producer';
import { createLogger } from '../../src/shared/logger';
import type { RecipientInput } from '../../src/shared/types';
import { campaignSettled, resultsOf, useCampaignStack } from '../support/campaigns';
import { testRedis, waitFor } from '../support/env';

const log = createLogger('silent');
const stack = useCampaignStack('personalised');
const { worker } = stack;

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

const finished = (campaignId: string) => campaignSettled(stack.producer, campaignId);
const results = (campaignId: string) => resultsOf(stack.producer, campaignId, { withContent: true });

it('sends each batch of a personalised campaign in one sendSms/batch call, every text its rendered template, no number twice', async () => {
  await worker();
  await worker();
  stack.sim.setFaults({ transientRate: 0.1 });
  const list = recipients(2_500);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: CONTENT, recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ total: 2_500, sent: 2_500, failed: 0, unknown: 0 });
  const stats = stack.sim.stats();
  // 3 batches: one accepted call each, plus the -18 answers that were retried.
  expect(stats.callsByStatus['0']).toBe(3);
  expect(stats.duplicates).toBe(0);
  for (const r of list) {
    const sent = stack.sim.ledger.byOrderId(r.orderId!);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ number: r.number, content: rendered(r) });
  }
  const out = await results(campaignId);
  expect(out.map((r) => r.content)).toEqual(list.map(rendered));
  for (const r of out) expect(stack.sim.ledger.byMsgId(r.msgId!)?.orderId).toBe(r.orderId);
});

it('matches a partial acceptance by orderId: numbers left out are NOT_ACCEPTED, the rest sent with their own msgId', async () => {
  await worker();
  const list = recipients(50);
  stack.sim.setFaults({ refuseNumbers: [list[3].number, list[17].number] });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: CONTENT, recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 48, failed: 2 });
  const out = await results(campaignId);
  expect(out[3]).toMatchObject({ status: 'failed', code: 'NOT_ACCEPTED' });
  expect(out[17]).toMatchObject({ status: 'failed', code: 'NOT_ACCEPTED' });
  for (const r of out.filter((x) => x.status === 'sent')) {
    expect(stack.sim.ledger.byMsgId(r.msgId!)).toMatchObject({ orderId: r.orderId, number: r.number, content: r.content });
  }
});

it('splits a call refused with -9 down to the abnormal numbers, sending every other text once', async () => {
  await worker();
  const list = recipients(200);
  stack.sim.setFaults({ abnormalNumbers: [list[10].number, list[150].number] });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: CONTENT, recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 198, failed: 2, unknown: 0 });
  const out = await results(campaignId);
  expect(out[10]).toMatchObject({ status: 'failed', code: '-9' });
  expect(out[150]).toMatchObject({ status: 'failed', code: '-9' });
  for (const r of list) expect(stack.sim.ledger.countFor(r.number)).toBe([list[10], list[150]].includes(r) ? 0 : 1);
  expect(stack.sim.stats().duplicates).toBe(0);
});

it('marks a call whose answer was lost unknown and never resends it', async () => {
  await worker();
  stack.sim.setFaults({ resetRate: 1 });
  const list = recipients(30);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: CONTENT, recipients: list });
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ unknown: 30, sent: 0 });
  for (const r of list) expect(stack.sim.ledger.countFor(r.number)).toBe(1);
  expect((await results(campaignId))[0]).toMatchObject({ status: 'unknown', code: 'ECONNRESET' });
});

it('fails the campaign when the gateway refuses one of its texts', async () => {
  await worker({ batchSize: 10 });
  const list = recipients(40);
  list[5].fields!.name = 'Casino';
  stack.sim.setFaults({ sensitiveWords: ['casino'] });
  const p = await createProducer({ ...stack.config, batchSize: 10 }, log);
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
  stack.sim.setFaults({ forceStatus: '-10' });
  const list = recipients(20);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: CONTENT, recipients: list });
  await waitFor('the account-level stop', async () => (await stack.producer.accountStop()) ?? undefined);
  stack.sim.setFaults({ forceStatus: null });
  await stack.producer.resume();
  const info = await finished(campaignId);
  expect(info.counts).toMatchObject({ sent: 20 });
  for (const r of list) expect(stack.sim.ledger.byOrderId(r.orderId!).map((e) => e.content)).toEqual([rendered(r)]);
});

it('settles a call a dead run left in flight as unknown and sends only the others, each once', async () => {
  const list = recipients(10);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: CONTENT, recipients: list });
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
  const out = await results(campaignId);
  expect(out.slice(0, 3).every((r) => r.status === 'unknown' && r.code === 'IN_FLIGHT_LOST')).toBe(true);
  list.forEach((r, i) => expect(stack.sim.ledger.countFor(r.number)).toBe(i < 3 ? 0 : 1));
});

it('cancels a personalised campaign: no call starts after cancel returns, the unsent end cancelled', async () => {
  await worker({ concurrency: 1 });
  stack.sim.setFaults({ latencyMs: 150 });
  const list = recipients(10_000);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: CONTENT, recipients: list });
  await waitFor('the first batch to be sent', async () =>
    (await stack.producer.getCampaign(campaignId)).counts.sent > 0 ? true : undefined,
  );
  const callsAtCancel = stack.sim.stats().calls;
  expect((await stack.producer.cancelCampaign(campaignId)).state).toBe('cancelled');
  const end = await waitFor('every recipient settled', async () => {
    const i = await stack.producer.getCampaign(campaignId);
    return i.counts.pending === 0 ? i : undefined;
  });
  expect(end.counts.sent + end.counts.cancelled).toBe(10_000);
  expect(end.counts.cancelled).toBeGreaterThan(7_000);
  expect(stack.sim.stats().calls - callsAtCancel).toBeLessThanOrEqual(1);
  expect(stack.sim.stats().duplicates).toBe(0);
});

it('keeps using sendSms for a campaign without placeholders', async () => {
  await worker();
  const before = stack.sim.stats().calls;
  const list = recipients(10).map(({ number }) => ({ number }));
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Same text for all', recipients: list });
  await finished(campaignId);
  expect(stack.sim.stats().calls - before).toBe(1);
  for (const r of list) expect(stack.sim.ledger.countFor(r.number)).toBe(1);
});
