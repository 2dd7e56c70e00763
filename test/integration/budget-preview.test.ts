import { SmsqError } from '../../src/shared/errors';
import type { RedisClient } from '../../src/shared/redis/connection';
import type { CampaignInfo, RecipientInput } from '../../src/shared/types';
import { useCampaignStack } from '../support/campaigns';
import { testRedis, waitFor } from '../support/env';
import { BEARER } from '../support/server';

const DLR_TOKEN = 'dlr-token-budget-0123456789';
const stack = useCampaignStack('budget', {
  simulator: { faults: { pricePerSegment: 0.0085, reportDelayMs: 20, reportDelayJitterMs: 20 } },
  env: { DLR_TOKEN, DLR_POLL_INTERVAL_MS: '0', SMS_BATCH_SIZE: '100', SMS_PRICE_PER_SEGMENT: '0.0085' },
  app: 'listen',
  pushReports: true,
});
let redis: RedisClient;
beforeAll(() => {
  redis = testRedis();
});
afterAll(() => redis.disconnect());
const { worker } = stack;

let nextNumber = 3_340_000_000;
const CONTENT = 'Hi {{name}}, your order {{order}} ships {{day|today}}. {{note|Thanks for shopping with us!}}';
/** A mix: GSM-7 and UCS-2 names, fallbacks, and notes long enough to need two or three segments. */
function recipients(n: number): RecipientInput[] {
  return Array.from({ length: n }, (_, i) => {
    const fields: Record<string, string> = { name: i % 4 === 0 ? `Łucja${i}` : `Ana${i}`, order: String(4000 + i) };
    if (i % 3 === 0) fields.day = 'Monday';
    if (i % 5 === 0) fields.note = `Your parcel is ${'very '.repeat(30)}big`;
    return { number: String(nextNumber++), fields };
  });
}

async function settled(campaignId: string, states: string[]): Promise<CampaignInfo> {
  return waitFor(
    `campaign ${campaignId} to settle`,
    async () => {
      const info = await stack.producer.getCampaign(campaignId);
      return info.counts.pending === 0 && states.includes(info.state) ? info : undefined;
    },
    90_000,
  );
}

it('previews the segments and cost the simulator then charges for the same campaign, and queues nothing', async () => {
  const list = recipients(1_000);
  const preview = await stack.producer.previewCampaign({ campaignId: 'previewed', content: CONTENT, recipients: list });
  expect(await redis.exists(`${stack.prefix}:campaign:previewed`)).toBe(0);
  expect(preview).toMatchObject({ recipients: 1_000, batches: 10, invalidCount: 0, priceSource: 'SMS_PRICE_PER_SEGMENT' });
  expect(preview.encodings['UCS-2']).toBe(250);
  expect(preview.segments).toBeGreaterThan(1_200);
  expect(preview.samples[1]).toEqual({
    number: list[1].number,
    orderId: 'smsq-2',
    text: 'Hi Ana1, your order 4001 ships today. Thanks for shopping with us!',
  });
  expect(preview.refusal).toBeUndefined();

  const over = await stack.producer.previewCampaign({ content: CONTENT, recipients: list, maxCost: 1 });
  expect(over.refusal?.code).toBe('BUDGET_EXCEEDED');

  await worker();
  const before = stack.sim.stats();
  const { campaignId } = await stack.producer.enqueueCampaign({ campaignId: 'previewed', content: CONTENT, recipients: list });
  await settled(campaignId, ['completed']);
  const after = stack.sim.stats();
  const charged = [...stack.sim.ledger.entries()].filter((e) => list.some((r) => r.number === e.number));
  expect(charged).toHaveLength(1_000);
  expect(charged.reduce((n, e) => n + e.chargeCnt, 0)).toBe(preview.segments);
  expect(Number(after.cost.USD) - Number(before.cost.USD ?? 0)).toBeCloseTo(Number(preview.estimatedCost.USD), 6);
});

it('answers a dry run through the API without queueing', async () => {
  const res = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns?dryRun=true',
    headers: BEARER,
    payload: { campaignId: 'api-dry-run', content: 'Hello {{name|there}} ’', recipients: [{ number: '447700900001' }, { number: '12' }] },
  });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toMatchObject({
    recipients: 1,
    invalidCount: 1,
    segments: 1,
    encodings: { 'GSM-7': 1 },
    estimatedCost: { USD: '0.0085' },
    samples: [{ text: "Hello there '" }],
    refusal: { code: 'VALIDATION_FAILED' },
  });
  expect(await redis.exists(`${stack.prefix}:campaign:api-dry-run`)).toBe(0);
});

it('refuses a campaign whose estimate is above maxCost with BUDGET_EXCEEDED, queueing nothing', async () => {
  const err = await stack.producer
    .enqueueCampaign({ campaignId: 'too-dear', content: CONTENT, recipients: recipients(500), maxCost: 2 })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SmsqError);
  expect((err as SmsqError).code).toBe('BUDGET_EXCEEDED');
  expect((err as SmsqError).message).toContain('above its maxCost 2.00');
  expect(await redis.exists(`${stack.prefix}:campaign:too-dear`)).toBe(0);
  expect(await redis.exists(`${stack.prefix}:campaign:too-dear:batch:0`)).toBe(0);
});

it('pauses a campaign once the cost its delivery reports carry reaches maxCost', async () => {
  // The estimate uses a price below the one the gateway now charges: it fits the cap, the real cost does not.
  const cheap = await stack.openProducer({ texts: { ...stack.config.texts, pricePerSegment: { micros: 2_000, currency: 'USD' } } });
  const list = Array.from({ length: 2_000 }, () => ({ number: String(nextNumber++) }));
  const { campaignId, texts } = await cheap.enqueueCampaign({
    campaignId: 'capped',
    content: 'One segment',
    recipients: list,
    maxCost: 4.5,
  });
  expect(texts.cost).toEqual({ USD: '4.00' });
  stack.sim.setFaults({ latencyMs: 200 });
  await worker({ concurrency: 1 });
  // 600 sent cost 5.10 USD at 0.0085; holding the queue then keeps the campaign running whatever the timing.
  await waitFor('600 recipients sent', async () => ((await stack.producer.getCampaign(campaignId)).counts.sent >= 600 ? true : undefined));
  await stack.producer.pause();
  const paused = await waitFor(
    'the campaign to be paused by its budget',
    async () => {
      const f = await redis.hgetall(`${stack.prefix}:campaign:${campaignId}`);
      return f.state === 'paused' ? f : undefined;
    },
    60_000,
  );
  expect(paused).toMatchObject({ pausedBy: 'budget', maxCost: '4500000' });
  // Reports arrive in batches, so the cost the pause names is at least the cap, and may be past it by a batch or more.
  const named = /^reported cost (\d+(?:\.\d+)?) USD reached maxCost 4\.50$/.exec(paused.pauseReason);
  expect(named).not.toBeNull();
  expect(Number(named![1])).toBeGreaterThanOrEqual(4.5);
  expect(Number(paused['cost:USD'])).toBeGreaterThanOrEqual(4_500_000);
  expect((await stack.producer.getCampaign(campaignId)).state).toBe('paused');
  // The audit trail says smsq paused it, and why.
  const trail = await stack.ctx.audit.list({ campaignId });
  expect(trail.filter((e) => e.action === 'campaign.pause')).toEqual([
    expect.objectContaining({ keyId: 'smsq', changes: { by: 'budget', reason: paused.pauseReason, state: 'paused' } }),
  ]);
});

it('lets an operator raise or remove the cap of a campaign paused by its budget, through the library and the API', async () => {
  expect((await stack.producer.setMaxCost('capped', 100)).maxCost).toBe('100.00');
  expect(await redis.hget(`${stack.prefix}:campaign:capped`, 'maxCost')).toBe('100000000');
  const raised = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns/capped/max-cost',
    headers: BEARER,
    payload: { maxCost: 250.5 },
  });
  expect(raised.statusCode).toBe(200);
  expect(raised.json()).toMatchObject({ campaignId: 'capped', maxCost: '250.50' });
  const bad = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns/capped/max-cost',
    headers: BEARER,
    payload: { maxCost: 0 },
  });
  expect(bad.statusCode).toBe(422);
  const missing = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns/nope/max-cost',
    headers: BEARER,
    payload: { maxCost: 5 },
  });
  expect(missing.statusCode).toBe(404);
  expect(await redis.exists(`${stack.prefix}:campaign:nope`)).toBe(0);
  const removed = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns/capped/max-cost',
    headers: BEARER,
    payload: { maxCost: null },
  });
  expect(removed.json().maxCost).toBeUndefined();
  expect(await redis.hexists(`${stack.prefix}:campaign:capped`, 'maxCost')).toBe(0);
});

it('takes fields and maxCost through the API: 422 BUDGET_EXCEEDED above the cap, and results withContent render each text', async () => {
  const recipients = [
    { number: '447700900101', fields: { name: 'Ana', order: 1 } },
    { number: '447700900102', fields: { name: 'Bo', order: 2 } },
  ];
  const refused = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: BEARER,
    payload: { campaignId: 'api-capped', content: 'Hi {{name}}, order {{order}}', recipients, maxCost: 0.01 },
  });
  expect(refused.statusCode).toBe(422);
  expect(refused.json().error).toMatchObject({ code: 'BUDGET_EXCEEDED', details: { estimatedCost: { USD: '0.017' }, maxCost: '0.01' } });

  await worker();
  const queued = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: BEARER,
    payload: { campaignId: 'api-personalised', content: 'Hi {{name}}, order {{order}}', recipients, maxCost: 1 },
  });
  expect(queued.statusCode).toBe(201);
  expect(queued.json()).toMatchObject({ total: 2, texts: { segments: 2, cost: { USD: '0.017' } } });
  await settled('api-personalised', ['completed']);
  const csv = await stack.server.app.inject({
    method: 'GET',
    url: '/v1/campaigns/api-personalised/results?withContent=true',
    headers: { ...BEARER, accept: 'text/csv' },
  });
  const lines = csv.body.trim().split('\n');
  // The text keeps its place after currency; the columns added later follow it (account, then the clicks of tracked
  // links, empty here).
  expect(lines[0]).toMatch(/,currency,content,account,clicks,firstClickAt,variant$/);
  expect(lines[1]).toMatch(/^447700900101,smsq-1,sent,.*,"Hi Ana, order 1",default,,,$/);
  expect(lines[2]).toMatch(/^447700900102,smsq-2,sent,.*,"Hi Bo, order 2",default,,,$/);
});

it('estimates with the price per segment the last delivery report gave when no price is configured', async () => {
  // The campaigns above were sent and reported on: the simulator's reports carry pricedetail.price 0.0085.
  const unpriced = await stack.openProducer({ texts: { ...stack.config.texts, pricePerSegment: undefined } });
  const preview = await waitFor('a priced report to be recorded', async () => {
    const p = await unpriced.previewCampaign({
      content: `Two segments ${'x'.repeat(150)}`,
      recipients: [{ number: '447700900201' }, { number: '447700900202' }],
    });
    return p.priceSource.startsWith('last delivery report') ? p : undefined;
  });
  expect(preview).toMatchObject({ segments: 4, estimatedCost: { USD: '0.034' } });
});
