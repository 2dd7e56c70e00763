import { createProducer, Producer } from '../../src/producer';
import type { Config } from '../../src/shared/config';
import { createLogger } from '../../src/shared/logger';
import { openQueues, Queues } from '../../src/shared/queues';
import { splitCampaign } from '../../src/worker/split-campaign';
import { createContext } from '../../src/shared/context';
import type { RedisClient } from '../../src/shared/redis/connection';
import { deletePrefix, keysMatching, testConfig, testRedis, uniquePrefix } from '../support/env';
import { SmsqError } from '../../src/shared/errors';
import { rejection } from '../support/rejection';

const log = createLogger('silent');
const prefix = uniquePrefix('producer');
let config: Config;
let producer: Producer;
let redis: RedisClient;
let queues: Queues;

beforeAll(async () => {
  // No worker in this file: what is queued stays queued, to be inspected.
  config = testConfig(prefix, 'http://127.0.0.1:9/sms', { SMS_BATCH_SIZE: '100' });
  producer = await createProducer(config, log);
  redis = testRedis();
  queues = openQueues(config, redis);
});

afterAll(async () => {
  await queues.close();
  redis.disconnect();
  await producer.close();
  await deletePrefix(prefix);
});

async function keyCount(): Promise<number> {
  return (await keysMatching(redis, `${prefix}:campaign:*`)).length;
}

it('streams an async iterable of recipients into batches of the configured size', async () => {
  async function* many() {
    for (let i = 0; i < 25_050; i++) yield { number: `+1 555 ${String(i).padStart(7, '0')}` };
  }
  const r = await producer.enqueueCampaign({ content: 'stream', recipients: many() });
  expect(r).toMatchObject({ created: true, total: 25_050, batches: 251, duplicatesSkipped: 0 });
  const info = await producer.getCampaign(r.campaignId);
  expect(info).toMatchObject({ state: 'queued', counts: { total: 25_050, pending: 25_050 } });
  const first = await producer.campaignResults(r.campaignId).next();
  expect(first.value).toEqual({ number: '15550000000', orderId: 'smsq-1', status: 'pending' });
  // Each batch is one small Redis value; nothing grows with the campaign.
  const largest = await redis.memory('USAGE', `${prefix}:campaign:${r.campaignId}:batch:0`);
  expect(largest).toBeLessThan(10_000);
});

it('refuses a campaign with bad rows, listing each, and leaves nothing in Redis', async () => {
  const before = await keyCount();
  const rows = [{ number: '447700900001' }, { number: 'abc' }, { number: '447700900002', orderId: 'a,b' }, { nope: 1 }];
  const err = await rejection(producer.enqueueCampaign({ campaignId: 'bad-rows', content: 'x', recipients: rows as never }));
  expect(err.code).toBe('VALIDATION_FAILED');
  expect((err.details!.rows as { row: number }[]).map((p) => p.row)).toEqual([2, 3, 4]);
  expect(err.details!.invalidCount).toBe(3);
  expect(await keyCount()).toBe(before);
  expect((await rejection(producer.getCampaign('bad-rows'))).code).toBe('CAMPAIGN_NOT_FOUND');
});

it('checks content in characters, not UTF-16 units, and the senderId and campaign id', async () => {
  const ok = await producer.enqueueCampaign({ content: '😀'.repeat(1024), recipients: [{ number: '447700900010' }] });
  expect(ok.created).toBe(true);
  const long = await rejection(producer.enqueueCampaign({ content: '😀'.repeat(1025), recipients: [{ number: '447700900011' }] }));
  expect(long.details!.fields).toMatchObject({ content: expect.stringContaining('1025 characters') });
  const fields = await rejection(producer.enqueueCampaign({ campaignId: 'no spaces', content: ' ', senderId: 'x'.repeat(33), recipients: [] }));
  expect(Object.keys(fields.details!.fields as object).sort()).toEqual(['campaignId', 'content', 'senderId']);
});

it('sends a duplicated number once and counts it, unless told to keep duplicates', async () => {
  const rows = [{ number: '+44 7700 900020' }, { number: '00447700900020' }, { number: '447700900021' }];
  const deduped = await producer.enqueueCampaign({ content: 'dups', recipients: rows });
  expect(deduped).toMatchObject({ total: 2, duplicatesSkipped: 1 });
  expect((await producer.getCampaign(deduped.campaignId)).counts.duplicatesSkipped).toBe(1);
  const kept = await producer.enqueueCampaign({ content: 'dups', recipients: rows, dedupe: false });
  expect(kept).toMatchObject({ total: 3, duplicatesSkipped: 0 });
});

it('is idempotent per campaign id: the same campaign again queues nothing, a different one is a conflict', async () => {
  const body = { campaignId: 'same-id', content: 'once', recipients: [{ number: '447700900030' }] };
  const first = await producer.enqueueCampaign(body);
  const again = await producer.enqueueCampaign(body);
  expect([first.created, again.created]).toEqual([true, false]);
  const splitJobs = (await queues.campaigns.getJobs(['waiting'], 0, -1)).filter((j) => j.data.campaignId === 'same-id');
  expect(splitJobs).toHaveLength(1);
  const conflict = await rejection(producer.enqueueCampaign({ ...body, content: 'twice' }));
  expect(conflict.code).toBe('CAMPAIGN_CONFLICT');
});

it('lets only one of two producers queue the same campaign id at once', async () => {
  const body = { campaignId: 'race', content: 'race', recipients: Array.from({ length: 5_000 }, (_, i) => ({ number: String(447_800_000_000 + i) })) };
  const outcomes = await Promise.allSettled([producer.enqueueCampaign(body), producer.enqueueCampaign(body)]);
  const created = outcomes.filter((o) => o.status === 'fulfilled' && o.value.created).length;
  expect(created).toBe(1);
  for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as SmsqError).code).toBe('CAMPAIGN_BUSY');
  expect((await producer.getCampaign('race')).counts.total).toBe(5_000);
});

it('refuses a campaign with no valid recipient', async () => {
  const err = await rejection(producer.enqueueCampaign({ content: 'empty', recipients: [] }));
  expect(err.code).toBe('CAMPAIGN_EMPTY');
});

it('releases only the first SMS_RELEASE_AHEAD batches, and a re-run of the split adds none twice', async () => {
  const list = Array.from({ length: 1_000 }, (_, i) => ({ number: String(447_900_000_000 + i) }));
  const { campaignId } = await producer.enqueueCampaign({ content: 'split', recipients: list });
  const ctx = await createContext(config, log, 'client');
  try {
    const job = { data: { campaignId } } as never;
    // A worker that died after adding the batches but before its job completed: the split runs again.
    await splitCampaign(ctx, job);
    const jobs = await queues.batches.getJobs(['prioritized', 'waiting'], 0, -1);
    const mine = jobs.filter((j) => j.data.campaignId === campaignId).map((j) => j.data.batch).sort((a, b) => a - b);
    expect(config.releaseAhead).toBeLessThan(10);
    expect(mine).toEqual(Array.from({ length: config.releaseAhead }, (_, i) => i));
  } finally {
    await ctx.close();
  }
});
