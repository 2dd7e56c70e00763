import { randomUUID } from 'node:crypto';
import type { Context } from '../context';
import { runScript } from '../lua';

/**
 * A campaign's settle lock: held by `smsq reconcile` or by the automatic settle job while it reads the gateway's
 * records and rewrites `unknown` outcomes, so that the two never settle (or resend) one campaign at once.
 * It expires on its own, so a process that dies holding it blocks settling for LOCK_MS at most.
 */
const LOCK_MS = 10 * 60_000;

/** KEYS: lock. ARGV: owner. Deletes the lock only if it is still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Runs `fn` holding the lock; null, without running it, when someone else holds it for longer than `waitMs`. */
export async function withSettleLock<T>(ctx: Context, campaignId: string, waitMs: number, fn: () => Promise<T>): Promise<{ value: T } | null> {
  const key = ctx.keys.settleLock(campaignId);
  const owner = randomUUID();
  const deadline = Date.now() + waitMs;
  while ((await ctx.redis.set(key, owner, 'PX', LOCK_MS, 'NX')) !== 'OK') {
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    return { value: await fn() };
  } finally {
    await runScript(ctx.redis, RELEASE, [key], [owner]);
  }
}
