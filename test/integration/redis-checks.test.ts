import { Writable } from 'node:stream';
import IORedis from 'ioredis';
import { createLogger } from '../../src/shared/logger';
import { checkRedisForProduction } from '../../src/shared/redis/checks';
import { createProducer } from '../../src/producer';
import { startWorker } from '../../src/worker/worker';
import { testConfig, uniquePrefix } from '../support/env';
import { OwnRedis } from '../support/redis-server';

function capture() {
  let out = '';
  const sink = new Writable({ write: (c, _e, done) => ((out += c), done()) });
  return { log: createLogger('warn', 'smsq', sink), text: () => out };
}

/** A redis-server of the describe block's own, started before its tests, with a connection to it; read inside tests. */
function useOwnRedis(port: number, args: string[] = []): { own: OwnRedis; redis(): IORedis } {
  const own = new OwnRedis(port, args);
  let redis: IORedis | undefined;
  beforeAll(async () => {
    await own.start();
    redis = new IORedis(own.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await own.destroy();
  });
  return { own, redis: () => redis! };
}

describe('production checks of Redis at start-up', () => {
  const { redis: connection } = useOwnRedis(19_000 + Math.floor(Math.random() * 500));
  let redis: IORedis;
  beforeAll(() => {
    redis = connection();
  });

  it('is quiet for a Redis with noeviction and append-only persistence', async () => {
    const { log, text } = capture();
    expect(await checkRedisForProduction(redis, log)).toEqual([]);
    expect(text()).toBe('');
  });

  it('warns about an eviction policy that can drop jobs and a Redis that persists nothing', async () => {
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await redis.config('SET', 'appendonly', 'no');
    const { log, text } = capture();
    const problems = await checkRedisForProduction(redis, log);
    expect(problems).toHaveLength(2);
    expect(text()).toContain('noeviction');
    expect(text()).toContain('persists nothing');
  });
});

describe('a Redis that persists nothing', () => {
  // No AOF and no RDB save point: restarted, it forgets every campaign and what was sent.
  const { own, redis: connection } = useOwnRedis(19_500 + Math.floor(Math.random() * 400), ['--appendonly', 'no', '--save', '']);
  const prefix = uniquePrefix('volatile');
  const log = createLogger('silent');
  let redis: IORedis;
  beforeAll(() => {
    redis = connection();
  });

  const config = (allow: string) =>
    testConfig(prefix, 'http://127.0.0.1:1/sms', { REDIS_URL: own.url, REDIS_CLUSTER_NODES: '', REDIS_ALLOW_VOLATILE: allow });

  it('is refused by a worker and by a producer, which queues nothing, unless REDIS_ALLOW_VOLATILE is set', async () => {
    await expect(startWorker(config('false'), log)).rejects.toMatchObject({
      code: 'REDIS_VOLATILE',
      message: expect.stringContaining('REDIS_ALLOW_VOLATILE=true'),
    });
    const producer = await createProducer(config('false'), log);
    try {
      await expect(
        producer.enqueueCampaign({ campaignId: 'volatile', content: 'hi', recipients: [{ number: '+447700900123' }] }),
      ).rejects.toMatchObject({ code: 'REDIS_VOLATILE' });
    } finally {
      await producer.close();
    }
    // Only the queues' own meta keys, written when the producer opened them: no campaign, no batch.
    expect((await redis.keys(`${prefix}:*`)).filter((k) => !k.endsWith(':meta'))).toEqual([]);

    const allowed = await createProducer(config('true'), log);
    const worker = await startWorker(config('true'), log);
    try {
      const queued = await allowed.enqueueCampaign({ campaignId: 'volatile', content: 'hi', recipients: [{ number: '+447700900123' }] });
      expect(queued).toMatchObject({ created: true, total: 1 });
      expect((await allowed.getCampaign('volatile')).counts.total).toBe(1);
    } finally {
      await worker.close();
      await allowed.close();
    }
  });

  it('is accepted once it persists (an RDB save point is enough)', async () => {
    await redis.config('SET', 'save', '3600 1');
    const worker = await startWorker(config('false'), log);
    await worker.close();
    await redis.config('SET', 'save', '');
  });
});
