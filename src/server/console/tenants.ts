/**
 * The console's Tenants page (an admin's): each tenant with its keys, its limits, what it has queued today and
 * where its webhook events go. Never a key, a key's hash or a webhook secret: key records are listed without their
 * hash (tenants/key-store.ts), and of a tenant's webhook only the URL is copied out.
 */
import { isoTime, withIsoTimes, type Json } from '../../shared/campaign/json';
import type { Priority } from '../../shared/campaign/lanes';
import type { Context } from '../../shared/context';
import { formatMicros } from '../../shared/delivery/money';
import { TENANT_PATTERN } from '../../shared/tenants/api-key';
import type { ApiKeyInfo } from '../../shared/tenants/key-store';
import type { TenantSettings } from '../../shared/tenants/tenant-settings';
import { readUsage } from '../../shared/tenants/tenant-usage';

/** A key as the page shows it: the key store's listing, which holds no secret, with ISO times. */
export type ConsoleKey = Json<ApiKeyInfo>;

export interface ConsoleTenant {
  tenant: string;
  keys: ConsoleKey[];
  /** Amounts of money as decimals in the price table's currency. */
  limits: { lanes?: Priority[]; maxRate?: number; recipientsPerDay?: number; spendPerDay?: string };
  /** What it queued in the current UTC day. */
  today: { day: string; recipients: number; spend: string };
  /** Its webhook destination; null: none set (then only a campaign's own callbackUrl gets its events). */
  webhook: { url: string } | null;
  updatedAt?: string;
}

export interface ConsoleTenants {
  tenants: ConsoleTenant[];
  /** Admin keys and read keys without a tenant: they see every tenant. */
  keysWithoutTenant: ConsoleKey[];
  /** Ids of key records that could not be read (left out above). */
  unreadableKeys: string[];
}

/** Every tenant a key or a tenant's settings name, sorted; a stored name that is not a tenant's is left out. */
export async function knownTenants(ctx: Context): Promise<string[]> {
  const [settings, { keys }] = await Promise.all([ctx.tenants.all(), ctx.apiKeys.list()]);
  return tenantNames(settings, keys);
}

function tenantNames(settings: Map<string, TenantSettings>, keys: ApiKeyInfo[]): string[] {
  const names = new Set([...settings.keys(), ...keys.flatMap((k) => (k.tenant === undefined ? [] : [k.tenant]))]);
  return [...names].filter((t) => TENANT_PATTERN.test(t)).sort();
}

export async function consoleTenants(ctx: Context): Promise<ConsoleTenants> {
  const [settings, { keys, unreadable }] = await Promise.all([ctx.tenants.all(), ctx.apiKeys.list()]);
  const now = ctx.clock.now();
  const tenants = await Promise.all(
    tenantNames(settings, keys).map(async (tenant): Promise<ConsoleTenant> => {
      const s = settings.get(tenant) ?? { limits: {} };
      const usage = await readUsage(ctx.redis, ctx.keys, tenant, now);
      const { spendPerDayMicros, ...limits } = s.limits;
      return {
        tenant,
        keys: keys.filter((k) => k.tenant === tenant).map(withIsoTimes),
        limits: { ...limits, ...(spendPerDayMicros !== undefined ? { spendPerDay: formatMicros(spendPerDayMicros) } : {}) },
        today: { day: usage.day, recipients: usage.recipients, spend: formatMicros(usage.spendMicros) },
        webhook: s.webhook ? { url: s.webhook.url } : null,
        ...(s.updatedAt !== undefined ? { updatedAt: isoTime(s.updatedAt) } : {}),
      };
    }),
  );
  return { tenants, keysWithoutTenant: keys.filter((k) => k.tenant === undefined).map(withIsoTimes), unreadableKeys: unreadable };
}
