import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import IORedis from 'ioredis';
import { readRecipients } from '../../src/producer/read-recipients';
import { SmsqError } from '../../src/shared/errors';
import { useCampaignStack } from '../support/campaigns';
import { keysMatching } from '../support/env';
import { OwnRedis } from '../support/redis-server';
import { rejection } from '../support/rejection';

/**
 * A file's campaign is queued before its second reading writes the batches. When Redis fills in between, so that
 * not one batch can be written, the campaign could never send anyone: it is taken back whole (record, list entry,
 * split job) and the enqueue fails with REDIS_FULL, rather than leaving a `queued` campaign with nothing staged.
 */
const redis = new OwnRedis(25_000 + Math.floor(Math.random() * 2_000));
const stack = useCampaignStack('redis-full-staging', { redis, simulator: false, dir: true, env: { SMS_BATCH_SIZE: '100' } });
let admin: IORedis;
beforeAll(() => {
  admin = new IORedis(redis.url);
  admin.on('error', () => undefined);
});
afterAll(() => admin.disconnect());

it('a file whose first batch Redis refuses is taken back whole: REDIS_FULL, and no key of the campaign is left', async () => {
  const file = path.join(stack.dir, 'list.csv');
  await writeFile(file, Array.from({ length: 1_000 }, (_, i) => String(447_966_000_000 + i)).join('\n'));
  let queued = false;
  const err = await rejection(
    stack.producer.enqueueCampaign({
      campaignId: 'taken-back',
      content: 'hello',
      rows: () => readRecipients(createReadStream(file), 'csv'),
      // Runs once the campaign is queued, before its second reading writes a batch: Redis fills right then.
      onSending: async () => {
        queued = (await admin.exists(`${stack.prefix}:campaign:taken-back`)) === 1;
        await admin.config('SET', 'maxmemory', '1');
      },
    }),
  );
  await admin.config('SET', 'maxmemory', '0');
  expect(queued).toBe(true);
  expect(err).toBeInstanceOf(SmsqError);
  expect(err).toMatchObject({ code: 'REDIS_FULL', message: expect.stringContaining('taken back: nothing was queued') });
  expect(await keysMatching(admin, `${stack.prefix}:*taken-back*`)).toEqual([]);
  expect(await admin.zscore(`${stack.prefix}:campaigns:by-created`, 'taken-back')).toBeNull();
  await expect(stack.producer.getCampaign('taken-back')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
});
