import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import { createProducer, type Producer } from '../../src/producer';
import { readRecipients } from '../../src/producer/read-recipients';
import { SmsqError } from '../../src/shared/errors';
import { createLogger } from '../../src/shared/logger';
import { keysMatching, testConfig, uniquePrefix } from '../support/env';
import { OwnRedis } from '../support/redis-server';
import { rejection } from '../support/rejection';

/**
 * A file's campaign is queued before its second reading writes the batches. When Redis fills in between, so that
 * not one batch can be written, the campaign could never send anyone: it is taken back whole (record, list entry,
 * split job) and the enqueue fails with REDIS_FULL, rather than leaving a `queued` campaign with nothing staged.
 */
const redis = new OwnRedis(25_000 + Math.floor(Math.random() * 2_000));
const prefix = uniquePrefix('redis-full-staging');
let admin: IORedis;
let producer: Producer;
let dir: string;

beforeAll(async () => {
  await redis.start();
  admin = new IORedis(redis.url);
  admin.on('error', () => undefined);
  producer = await createProducer(testConfig(prefix, 'http://127.0.0.1:9/sms', { REDIS_URL: redis.url, REDIS_CLUSTER_NODES: '', SMS_BATCH_SIZE: '100' }), createLogger('silent'));
  dir = await mkdtemp(path.join(os.tmpdir(), 'smsq-redis-full-staging-'));
});

afterAll(async () => {
  await producer?.close();
  admin?.disconnect();
  await redis.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('a file whose first batch Redis refuses is taken back whole: REDIS_FULL, and no key of the campaign is left', async () => {
  const file = path.join(dir, 'list.csv');
  await writeFile(file, Array.from({ length: 1_000 }, (_, i) => String(447_966_000_000 + i)).join('\n'));
  let queued = false;
  const err = await rejection(producer.enqueueCampaign({
    campaignId: 'taken-back',
    content: 'hello',
    rows: () => readRecipients(createReadStream(file), 'csv'),
    // Runs once the campaign is queued, before its second reading writes a batch: Redis fills right then.
    onSending: async () => {
      queued = (await admin.exists(`${prefix}:campaign:taken-back`)) === 1;
      await admin.config('SET', 'maxmemory', '1');
    },
  }));
  await admin.config('SET', 'maxmemory', '0');
  expect(queued).toBe(true);
  expect(err).toBeInstanceOf(SmsqError);
  expect(err).toMatchObject({ code: 'REDIS_FULL', message: expect.stringContaining('taken back: nothing was queued') });
  expect(await keysMatching(admin, `${prefix}:*taken-back*`)).toEqual([]);
  expect(await admin.zscore(`${prefix}:campaigns:by-created`, 'taken-back')).toBeNull();
  await expect(producer.getCampaign('taken-back')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
});
