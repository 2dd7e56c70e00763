import type { RedisClient } from '../shared/redis';

/** The back-off after -15 ("queried too frequently"), -18 or an unreachable gateway doubles up to this. */
export const MAX_BACKOFF_MS = 10 * 60_000;

/** A poller's back-off keys: the pause itself (its TTL is the delay) and the last delay, kept longer to double it. */
export interface BackoffKeys {
  backoff: string;
  level: string;
}

/**
 * Doubles the pause before a poller's next run (from one poll interval, at least a second, up to 10 minutes),
 * shared by all workers through Redis. Used by the delivery-report and the reply pollers alike.
 */
export async function backOff(redis: RedisClient, keys: BackoffKeys, intervalMs: number): Promise<void> {
  const previous = Number((await redis.get(keys.level)) ?? 0);
  const delay = Math.min(MAX_BACKOFF_MS, previous > 0 ? previous * 2 : Math.max(intervalMs, 1_000));
  await redis.pipeline().set(keys.backoff, String(delay), 'PX', delay).set(keys.level, String(delay), 'PX', MAX_BACKOFF_MS * 4).exec();
}
