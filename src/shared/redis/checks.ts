import { SmsqError } from '../errors';
import type { RedisClient } from './connection';
import type { Logger } from '../logger';

/**
 * Warns, loudly and once at start-up, about a Redis that can lose queued work: BullMQ needs
 * `maxmemory-policy noeviction` (an evicted job key is a lost batch), and a Redis that persists nothing
 * forgets every queued campaign when it restarts. Returns the problems found (empty when all is well).
 */
export async function checkRedisForProduction(redis: RedisClient, log: Logger): Promise<string[]> {
  const problems: string[] = [];
  const policy = await configGet(redis, 'maxmemory-policy');
  if (policy !== null && policy !== 'noeviction') {
    problems.push(
      `Redis maxmemory-policy is "${policy}": BullMQ needs "noeviction", or Redis may evict queued batches under memory pressure`,
    );
  }
  if ((await persistence(redis)) === 'none') {
    problems.push('Redis persists nothing (appendonly no, save ""): a Redis restart loses every queued campaign; turn on appendonly');
  }
  for (const p of problems) log.warn({ check: 'redis' }, p);
  return problems;
}

/**
 * Refuses (REDIS_VOLATILE) a Redis that persists nothing, unless REDIS_ALLOW_VOLATILE is set. Restarted, such a
 * Redis forgets the in-flight records and outcomes that keep a recipient from being sent twice: queueing the
 * campaign again would then send again to everyone the gateway already took. Workers check at start-up, producers
 * before each campaign they queue. A Redis that will not say (CONFIG refused on a managed service) is let through.
 */
export async function refuseVolatileRedis(redis: RedisClient, allowVolatile: boolean): Promise<void> {
  if (allowVolatile || (await persistence(redis)) !== 'none') return;
  throw new SmsqError(
    'REDIS_VOLATILE',
    'Redis persists nothing (appendonly no, save ""): restarted, it would forget every campaign and what was sent, and sending them again would send twice. ' +
      'Turn on persistence (appendonly yes), or set REDIS_ALLOW_VOLATILE=true for a Redis you can afford to lose (a test, a demo).',
  );
}

/** 'none' only when both are known off: the AOF (INFO) and every RDB save point (CONFIG GET save). */
async function persistence(redis: RedisClient): Promise<'none' | 'some' | 'unknown'> {
  const info = await redis.info('persistence').catch(() => '');
  const aof = /aof_enabled:(\d)/.exec(info)?.[1];
  if (aof === '1') return 'some';
  const save = await configGet(redis, 'save');
  if (aof === '0' && save === '') return 'none';
  return aof === undefined || save === null ? 'unknown' : 'some';
}

/** CONFIG GET is often disabled on managed Redis; then the check is skipped rather than failed. */
async function configGet(redis: RedisClient, name: string): Promise<string | null> {
  try {
    const reply = (await redis.config('GET', name)) as string[];
    return reply.length >= 2 ? reply[1] : null;
  } catch {
    return null;
  }
}
