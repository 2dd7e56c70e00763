import { backoffDelay } from '../shared/time/backoff';
import { QUERY_RETRY_MAX_MS } from '../shared/gateway/query-retry';
import type { RedisClient } from '../shared/redis/connection';

/** A poller's back-off keys: the pause itself (its TTL is the delay) and its failures in a row, kept longer to double it. */
export interface BackoffKeys {
  backoff: string;
  level: string;
}

/**
 * Pauses every worker's poller (shared through Redis) after a failed query, by the gateway queries' retry rule
 * (gateway/query-retry.ts) from one poll interval, at least a second, up to `maxMs` (10 minutes unless given). Used by the delivery-report and the reply
 * pollers alike, after any failure: a poller's next run is its retry either way, and one that cannot succeed
 * (credentials refused) is not helped by asking more often.
 */
export async function backOff(redis: RedisClient, keys: BackoffKeys, intervalMs: number, maxMs = QUERY_RETRY_MAX_MS): Promise<void> {
  const [failures] = await Promise.all([redis.incr(keys.level), redis.pexpire(keys.level, QUERY_RETRY_MAX_MS * 4)]);
  const delay = backoffDelay(failures, Math.max(intervalMs, 1_000), maxMs);
  await redis.set(keys.backoff, String(delay), 'PX', delay);
}
