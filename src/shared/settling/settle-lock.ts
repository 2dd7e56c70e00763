import { randomUUID } from 'node:crypto';
import type { Context } from '../context';
import { releaseLock, renewLock } from '../redis/lock';

/**
 * A campaign's settle lock: held by `smsq settle` or by the automatic settle job while it reads the gateway's
 * records and rewrites `unknown` outcomes, so that the two never settle (or resend) one campaign at once.
 * Renewed while its holder works and expiring on its own, so that a process that dies holding it (a killed
 * worker) blocks settling for LOCK_MS at most.
 */
const LOCK_MS = 30_000;
const RENEW_EVERY_MS = 10_000;

/** Runs `fn` holding the lock; null, without running it, when someone else holds it for longer than `waitMs`. */
export async function withSettleLock<T>(
  ctx: Context,
  campaignId: string,
  waitMs: number,
  fn: () => Promise<T>,
): Promise<{ value: T } | null> {
  const key = ctx.keys.settleLock(campaignId);
  const owner = randomUUID();
  const deadline = Date.now() + waitMs;
  while ((await ctx.redis.set(key, owner, 'PX', LOCK_MS, 'NX')) !== 'OK') {
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, 250));
  }
  const renew = setInterval(() => void renewLock(ctx.redis, key, owner, LOCK_MS).catch(() => undefined), RENEW_EVERY_MS);
  try {
    return { value: await fn() };
  } finally {
    clearInterval(renew);
    await releaseLock(ctx.redis, key, owner);
  }
}
