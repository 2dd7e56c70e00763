import type { RedisClient } from './redis';
import type { Logger } from './logger';

/**
 * Warns, loudly and once at start-up, about a Redis that can lose queued work: BullMQ needs
 * `maxmemory-policy noeviction` (an evicted job key is a lost batch), and a Redis that persists nothing
 * forgets every queued campaign when it restarts. Returns the problems found (empty when all is well).
 */
export async function checkRedisForProduction(redis: RedisClient, log: Logger): Promise<string[]> {
  const problems: string[] = [];
  const policy = await configGet(redis, 'maxmemory-policy');
  if (policy !== null && policy !== 'noeviction') {
    problems.push(`Redis maxmemory-policy is "${policy}": BullMQ needs "noeviction", or Redis may evict queued batches under memory pressure`);
  }
  const info = await redis.info('persistence').catch(() => '');
  const aof = /aof_enabled:(\d)/.exec(info)?.[1];
  const save = await configGet(redis, 'save');
  if (aof === '0' && save === '') {
    problems.push('Redis persists nothing (appendonly no, save ""): a Redis restart loses every queued campaign; turn on appendonly');
  }
  for (const p of problems) log.warn({ check: 'redis' }, p);
  return problems;
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
