/**
 * A tenant's settings, shared by all its keys: its limits and its webhook. Kept in the `tenants` hash as JSON per
 * tenant. Workers read them to route a tenant's webhook events, so reads may be served from a cache of at most
 * CACHE_MS; the enqueue's limits are checked on a fresh read.
 */
import { checkWebhookSecret, checkWebhookUrl } from '../config/webhooks';
import { isPriority, type Priority } from '../campaign/lanes';
import type { Keys } from '../redis/keys';
import type { RedisClient } from '../redis/connection';
import { SmsqError } from '../errors';

/** Every limit is optional: none set, none applies. */
export interface TenantLimits {
  /** The lanes (priorities) its campaigns may use; none set: all. */
  lanes?: Priority[];
  /** The highest maxRate (recipients/s) a campaign may ask; a campaign that asks none gets this one. */
  maxRate?: number;
  /** Recipients it may queue per UTC day, over all its campaigns. */
  recipientsPerDay?: number;
  /** Estimated cost (price table, its currency) it may queue per UTC day, in micros (1 = 0.000001). */
  spendPerDayMicros?: number;
}

/** Where the tenant's campaigns' webhook events go, signed with its own secret (Standard Webhooks `whsec_…`). */
export interface TenantWebhook {
  url: string;
  secret: string;
}

export interface TenantSettings {
  limits: TenantLimits;
  webhook?: TenantWebhook;
  updatedAt?: number;
}

/** Bounds of the limits, checked where they are set. */
export const LIMIT_BOUNDS = {
  maxRate: { min: 1, max: 100_000 },
  recipientsPerDay: { min: 1, max: 1_000_000_000 },
  spendPerDayMicros: { min: 1, max: 1e15 },
} as const;

const CACHE_MS = 1_000;

export class TenantSettingsStore {
  private readonly cache = new Map<string, { at: number; settings: TenantSettings }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** The tenant's settings, read now; a tenant never set, or a record that cannot be read, has no limits and no webhook. */
  async get(tenant: string): Promise<TenantSettings> {
    const settings = parseSettings(await this.redis.hget(this.keys.tenants(), tenant));
    this.cache.set(tenant, { at: Date.now(), settings });
    return settings;
  }

  /** As get, but from a read at most a second old (for the workers' webhook routing). */
  async cached(tenant: string): Promise<TenantSettings> {
    const hit = this.cache.get(tenant);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.settings;
    return this.get(tenant);
  }

  /** Every tenant with settings. */
  async all(): Promise<Map<string, TenantSettings>> {
    const raw = await this.redis.hgetall(this.keys.tenants());
    return new Map(Object.entries(raw).map(([t, v]) => [t, parseSettings(v)]));
  }

  /**
   * Changes a tenant's settings: limits given replace those of the same name (null removes one); `webhook` null
   * removes it. Returns the settings before and after, for the audit trail.
   */
  async update(
    tenant: string,
    change: { limits?: { [K in keyof TenantLimits]?: TenantLimits[K] | null }; webhook?: TenantWebhook | null },
    now: number,
  ): Promise<{ before: TenantSettings; after: TenantSettings }> {
    const problems = [...checkLimits(change.limits ?? {}), ...(change.webhook ? checkTenantWebhook(change.webhook) : [])];
    if (problems.length > 0) {
      throw new SmsqError('VALIDATION_FAILED', problems.join('; '), { fields: { tenant: problems.join('; ') } });
    }
    const before = await this.get(tenant);
    const limits: Record<string, unknown> = { ...before.limits };
    for (const [k, v] of Object.entries(change.limits ?? {})) {
      if (v === null) delete limits[k];
      else if (v !== undefined) limits[k] = v;
    }
    const webhook = change.webhook === null ? undefined : (change.webhook ?? before.webhook);
    const after: TenantSettings = { limits: limits, ...(webhook ? { webhook } : {}), updatedAt: now };
    await this.redis.hset(this.keys.tenants(), tenant, JSON.stringify(after));
    this.cache.set(tenant, { at: Date.now(), settings: after });
    return { before, after };
  }
}

export function checkLimits(limits: { [K in keyof TenantLimits]?: TenantLimits[K] | null }): string[] {
  const problems: string[] = [];
  if (limits.lanes !== undefined && limits.lanes !== null) {
    if (!Array.isArray(limits.lanes) || limits.lanes.length === 0 || !limits.lanes.every(isPriority))
      problems.push('lanes must list one or more of high, normal, low');
  }
  for (const k of ['maxRate', 'recipientsPerDay', 'spendPerDayMicros'] as const) {
    const v = limits[k];
    if (v === undefined || v === null) continue;
    const { min, max } = LIMIT_BOUNDS[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      problems.push(`${k} must be a whole number from ${min} to ${max}`);
  }
  return problems;
}

function checkTenantWebhook(w: TenantWebhook): string[] {
  const url = checkWebhookUrl(w.url);
  const secret = checkWebhookSecret(w.secret);
  return [...(url ? [`webhook URL ${url}`] : []), ...(secret ? [`webhook secret ${secret}`] : [])];
}

/** Settings read back defensively: a field that is not what it should be is dropped, never trusted. */
export function parseSettings(raw: string | null | undefined): TenantSettings {
  if (!raw) return { limits: {} };
  let v: Partial<TenantSettings>;
  try {
    v = JSON.parse(raw) as Partial<TenantSettings>;
  } catch {
    return { limits: {} };
  }
  const limits: TenantLimits = {};
  const l = (typeof v.limits === 'object' && v.limits) || {};
  if (Array.isArray(l.lanes) && l.lanes.length > 0 && l.lanes.every(isPriority)) limits.lanes = l.lanes;
  for (const k of ['maxRate', 'recipientsPerDay', 'spendPerDayMicros'] as const) {
    const n = l[k];
    if (typeof n === 'number' && Number.isInteger(n) && n >= LIMIT_BOUNDS[k].min && n <= LIMIT_BOUNDS[k].max) limits[k] = n;
  }
  const w = v.webhook;
  const webhook =
    w && typeof w === 'object' && typeof w.url === 'string' && typeof w.secret === 'string' && checkTenantWebhook(w).length === 0
      ? { url: w.url, secret: w.secret }
      : undefined;
  return { limits, ...(webhook ? { webhook } : {}), ...(typeof v.updatedAt === 'number' ? { updatedAt: v.updatedAt } : {}) };
}
