/**
 * What a tenant has queued today (UTC): recipients and estimated spend (micros), in one hash per tenant and day
 * (`recipients`, `spendMicros`), expiring two days after the day starts. The enqueue reserves a campaign's share
 * before committing it, and refuses what would pass a daily limit (tenant-limits in the producer).
 */
import type { Keys } from '../redis/keys';
import type { RedisClient } from '../redis/connection';

export interface TenantUsage {
  /** The UTC day, YYYY-MM-DD. */
  day: string;
  recipients: number;
  spendMicros: number;
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** When the UTC day of `ms` ends (ms). */
export const dayEnd = (ms: number): number => Date.parse(`${utcDay(ms)}T00:00:00Z`) + 24 * 3600_000;

export async function readUsage(redis: RedisClient, keys: Keys, tenant: string, now: number): Promise<TenantUsage> {
  const day = utcDay(now);
  const [recipients, spend] = await redis.hmget(keys.tenantUsage(tenant, day), 'recipients', 'spendMicros');
  const n = (v: string | null) => {
    const x = Number(v ?? 0);
    return Number.isFinite(x) && x >= 0 ? x : 0;
  };
  return { day, recipients: n(recipients), spendMicros: n(spend) };
}
