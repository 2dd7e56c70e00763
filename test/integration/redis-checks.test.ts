import { Writable } from 'node:stream';
import IORedis from 'ioredis';
import { createLogger } from '../../src/shared/logger';
import { checkRedisForProduction } from '../../src/shared/redis-checks';
import { OwnRedis } from '../support/redis-server';

function capture() {
  let out = '';
  const sink = new Writable({ write: (c, _e, done) => ((out += c), done()) });
  return { log: createLogger('warn', 'smsq', sink), text: () => out };
}

describe('production checks of Redis at start-up', () => {
  const own = new OwnRedis(19_000 + Math.floor(Math.random() * 500));
  let redis: IORedis;

  beforeAll(async () => {
    await own.start();
    redis = new IORedis(own.url);
  });

  afterAll(async () => {
    redis.disconnect();
    await own.destroy();
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
