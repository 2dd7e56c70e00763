import { splitCampaign } from '../../src/worker/split-campaign';
import type { RedisClient } from '../../src/shared/redis/connection';
import { useCampaignStack } from '../support/campaigns';
import { keysMatching, testRedis } from '../support/env';
import type { SmsqError } from '../../src/shared/errors';
import { rejection } from '../support/rejection';

// No simulator and no worker in this file: what is queued stays queued, to be inspected.
const stack = useCampaignStack('producer', { simulator: false, env: { SMS_BATCH_SIZE: '100' } });
let redis: RedisClient;
beforeAll(() => {
  redis = testRedis();
});
afterAll(() => redis.disconnect());

async function keyCount(): Promise<number> {
  return (await keysMatching(redis, `${stack.prefix}:campaign:*`)).length;
}

it('streams an async iterable of recipients into batches of the configured size', async () => {
  async function* many() {
    for (let i = 0; i < 25_050; i++) yield { number: `+1 555 ${String(i).padStart(7, '0')}` };
  }
  const r = await stack.producer.enqueueCampaign({ content: 'stream', recipients: many() });
  expect(r).toMatchObject({ created: true, total: 25_050, batches: 251, duplicatesSkipped: 0 });
  const info = await stack.producer.getCampaign(r.campaignId);
  expect(info).toMatchObject({ state: 'queued', counts: { total: 25_050, pending: 25_050 } });
  const first = await stack.producer.campaignResults(r.campaignId).next();
  expect(first.value).toEqual({ number: '15550000000', orderId: 'smsq-1', status: 'pending' });
  // Each batch is one small Redis value; nothing grows with the campaign.
  const largest = await redis.memory('USAGE', `${stack.prefix}:campaign:${r.campaignId}:batch:0`);
  expect(largest).toBeLessThan(10_000);
});

it('refuses a campaign with bad rows, listing each, and leaves nothing in Redis', async () => {
  const before = await keyCount();
  const rows = [{ number: '447700900001' }, { number: 'abc' }, { number: '447700900002', orderId: 'a,b' }, { nope: 1 }];
  const err = await rejection(stack.producer.enqueueCampaign({ campaignId: 'bad-rows', content: 'x', recipients: rows as never }));
  expect(err.code).toBe('VALIDATION_FAILED');
  expect((err.details!.rows as { row: number }[]).map((p) => p.row)).toEqual([2, 3, 4]);
  expect(err.details!.invalidCount).toBe(3);
  expect(await keyCount()).toBe(before);
  expect((await rejection(stack.producer.getCampaign('bad-rows'))).code).toBe('CAMPAIGN_NOT_FOUND');
});

it('checks content in characters, not UTF-16 units, and the senderId and campaign id', async () => {
  const ok = await stack.producer.enqueueCampaign({ content: '😀'.repeat(1024), recipients: [{ number: '447700900010' }] });
  expect(ok.created).toBe(true);
  const long = await rejection(stack.producer.enqueueCampaign({ content: '😀'.repeat(1025), recipients: [{ number: '447700900011' }] }));
  expect(long.details!.fields).toMatchObject({ content: expect.stringContaining('1025 characters') });
  const fields = await rejection(
    stack.producer.enqueueCampaign({ campaignId: 'no spaces', content: ' ', senderId: 'x'.repeat(33), recipients: [] }),
  );
  expect(Object.keys(fields.details!.fields as object).sort()).toEqual(['campaignId', 'content', 'senderId']);
});

it('sends a duplicated number once and counts it, unless told to keep duplicates', async () => {
  const rows = [{ number: '+44 7700 900020' }, { number: '00447700900020' }, { number: '447700900021' }];
  const deduped = await stack.producer.enqueueCampaign({ content: 'dups', recipients: rows });
  expect(deduped).toMatchObject({ total: 2, duplicatesSkipped: 1 });
  expect((await stack.producer.getCampaign(deduped.campaignId)).counts.duplicatesSkipped).toBe(1);
  const kept = await stack.producer.enqueueCampaign({ content: 'dups', recipients: rows, dedupe: false });
  expect(kept).toMatchObject({ total: 3, duplicatesSkipped: 0 });
});

it('is idempotent per campaign id: the same campaign again queues nothing, a different one is a conflict', async () => {
  const body = { campaignId: 'same-id', content: 'once', recipients: [{ number: '447700900030' }] };
  const first = await stack.producer.enqueueCampaign(body);
  const again = await stack.producer.enqueueCampaign(body);
  expect([first.created, again.created]).toEqual([true, false]);
  const splitJobs = (await stack.ctx.queues.campaigns.getJobs(['waiting'], 0, -1)).filter((j) => j.data.campaignId === 'same-id');
  expect(splitJobs).toHaveLength(1);
  const conflict = await rejection(stack.producer.enqueueCampaign({ ...body, content: 'twice' }));
  expect(conflict.code).toBe('CAMPAIGN_CONFLICT');
});

it('lets only one of two producers queue the same campaign id at once', async () => {
  const body = {
    campaignId: 'race',
    content: 'race',
    recipients: Array.from({ length: 5_000 }, (_, i) => ({ number: String(447_800_000_000 + i) })),
  };
  const outcomes = await Promise.allSettled([stack.producer.enqueueCampaign(body), stack.producer.enqueueCampaign(body)]);
  const created = outcomes.filter((o) => o.status === 'fulfilled' && o.value.created).length;
  expect(created).toBe(1);
  for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as SmsqError).code).toBe('CAMPAIGN_BUSY');
  expect((await stack.producer.getCampaign('race')).counts.total).toBe(5_000);
});

it('refuses a campaign with no valid recipient', async () => {
  const err = await rejection(stack.producer.enqueueCampaign({ content: 'empty', recipients: [] }));
  expect(err.code).toBe('CAMPAIGN_EMPTY');
});

it('releases only the first SMS_RELEASE_AHEAD batches, and a re-run of the split adds none twice', async () => {
  const list = Array.from({ length: 1_000 }, (_, i) => ({ number: String(447_900_000_000 + i) }));
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'split', recipients: list });
  const job = { data: { campaignId } } as never;
  // A worker that died after adding the batches but before its job completed: the split runs again.
  await splitCampaign(stack.ctx, job);
  const jobs = await stack.ctx.queues.batches.getJobs(['prioritized', 'waiting'], 0, -1);
  const mine = jobs
    .filter((j) => j.data.campaignId === campaignId)
    .map((j) => j.data.batch)
    .sort((a, b) => a - b);
  expect(stack.config.releaseAhead).toBeLessThan(10);
  expect(mine).toEqual(Array.from({ length: stack.config.releaseAhead }, (_, i) => i));
});
