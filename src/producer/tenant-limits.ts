/**
 * A tenant's limits at enqueue (shared/tenants/tenant-settings.ts). The lanes it may use and its maxRate are checked
 * before a row is read; its recipients and estimated spend per UTC day are reserved in one script just before the
 * campaign is committed (RESERVE_DAILY_USAGE), and given back when the commit fails. A campaign queued again
 * (`created` false) never reaches the reservation, so it is counted once.
 */
import { DEFAULT_PRIORITY, isPriority } from '../shared/campaign/lanes';
import type { Context } from '../shared/context';
import { formatMicros, toMicros } from '../shared/delivery/money';
import { SmsqError } from '../shared/errors';
import { lua, runScript } from '../shared/redis/lua';
import type { TenantLimits } from '../shared/tenants/tenant-settings';
import { dayEnd, utcDay, type TenantUsage } from '../shared/tenants/tenant-usage';
import type { TextSummary } from './text-stats';

/** What a campaign counts against its tenant's day. */
export interface DailyShare {
  recipients: number;
  spendMicros: number;
}

export type DailyLimit = 'recipientsPerDay' | 'spendPerDay';

/** A share reserved: where, so that it can be given back to the same day. */
export interface Reservation {
  key: string;
  share: DailyShare;
}

/** Reserves a share, or names the limit it would pass and what the day used of it (scripts/reserve-daily-usage.lua). */
const RESERVE_DAILY_USAGE = lua<
  [usage: string],
  [recipients: string, spendMicros: string, maxRecipients: string, maxSpend: string, expireAt: string],
  0 | [limit: DailyLimit, used: number]
>('reserve-daily-usage');

/**
 * The maxRate the campaign is queued with: its own, or the tenant's when it asks none. LANE_NOT_ALLOWED for a
 * priority outside the tenant's lanes, TENANT_RATE_LIMIT for a maxRate above the tenant's. A value that is not a
 * priority or a rate at all is left to the campaign's own validation, which names the field.
 */
export function campaignRate(tenant: string, limits: TenantLimits, opts: { priority?: unknown; maxRate?: unknown }): number | undefined {
  const priority = opts.priority ?? DEFAULT_PRIORITY;
  if (limits.lanes && isPriority(priority) && !limits.lanes.includes(priority)) {
    const given = opts.priority === undefined ? `${priority} (the default)` : priority;
    throw new SmsqError(
      'LANE_NOT_ALLOWED',
      `Tenant ${tenant} may queue at priority ${limits.lanes.join(' or ')} only; this campaign's priority is ${given}. Nothing was queued.`,
      { priority, allowed: limits.lanes },
    );
  }
  if (limits.maxRate === undefined) return typeof opts.maxRate === 'number' ? opts.maxRate : undefined;
  if (opts.maxRate === undefined) return limits.maxRate;
  if (typeof opts.maxRate === 'number' && opts.maxRate > limits.maxRate) {
    throw new SmsqError(
      'TENANT_RATE_LIMIT',
      `maxRate ${opts.maxRate} is above tenant ${tenant}'s maxRate, ${limits.maxRate} recipients/s: ask ${limits.maxRate} or less, or none to get ${limits.maxRate}. Nothing was queued.`,
      { maxRate: opts.maxRate, limit: limits.maxRate },
    );
  }
  return typeof opts.maxRate === 'number' ? opts.maxRate : undefined;
}

/**
 * What the campaign counts: its recipients and its estimated cost in micros. Without a spend limit a cost that cannot
 * be summed in one currency counts 0; with one, a cost not known for every recipient is refused (SPEND_NOT_ESTIMATED)
 * rather than let through uncounted.
 */
export function dailyShare(
  tenant: string,
  limits: TenantLimits,
  recipients: number,
  texts: Pick<TextSummary, 'cost' | 'priceSource' | 'unpriced'>,
): DailyShare {
  const costs = Object.entries(texts.cost);
  const micros = costs.length === 1 ? toMicros(costs[0][1]) : costs.length === 0 ? 0 : null;
  if (limits.spendPerDayMicros === undefined) return { recipients, spendMicros: micros ?? 0 };
  const why =
    texts.priceSource === 'none'
      ? 'no price is known (the operator sets SMS_PRICE_PER_SEGMENT or SMS_PRICES_FILE)'
      : texts.unpriced > 0
        ? `${texts.unpriced} recipient(s) have no price in ${texts.priceSource}`
        : micros === null
          ? `its prices are in more than one currency (${costs.map(([c]) => c).join(', ')})`
          : undefined;
  if (why !== undefined || micros === null) {
    throw new SmsqError(
      'SPEND_NOT_ESTIMATED',
      `Tenant ${tenant} has a spend limit per day, and this campaign's cost cannot be estimated: ${why ?? 'its cost is unreadable'}. Nothing was queued.`,
      { priceSource: texts.priceSource, unpriced: texts.unpriced, estimatedCost: texts.cost },
    );
  }
  return { recipients, spendMicros: micros };
}

/** The first daily limit `share` would take the day past, as the script decides it; null when it fits. */
export function limitPassed(limits: TenantLimits, usage: DailyShare, share: DailyShare): { limit: DailyLimit; used: number } | null {
  if (limits.recipientsPerDay !== undefined && usage.recipients + share.recipients > limits.recipientsPerDay)
    return { limit: 'recipientsPerDay', used: usage.recipients };
  if (limits.spendPerDayMicros !== undefined && usage.spendMicros + share.spendMicros > limits.spendPerDayMicros)
    return { limit: 'spendPerDay', used: usage.spendMicros };
  return null;
}

/** DAILY_LIMIT_REACHED for a share that would pass `limit`; spend is shown in currency units, as estimates are. */
export function dailyLimitError(
  tenant: string,
  limits: TenantLimits,
  passed: { limit: DailyLimit; used: number },
  share: DailyShare,
  now: number,
): SmsqError {
  const spend = passed.limit === 'spendPerDay';
  const limitValue = (spend ? limits.spendPerDayMicros : limits.recipientsPerDay) ?? 0;
  const show = (n: number) => (spend ? formatMicros(n) : n);
  const requested = spend ? share.spendMicros : share.recipients;
  const resetsAt = new Date(dayEnd(now)).toISOString();
  const what = spend ? 'spend per day (estimated cost)' : 'recipients per day';
  return new SmsqError(
    'DAILY_LIMIT_REACHED',
    `Tenant ${tenant} has used ${show(passed.used)} of its ${show(limitValue)} ${what} today (UTC), and this campaign asks ${show(requested)}. Nothing was queued; the day ends at ${resetsAt}.`,
    { limit: passed.limit, limitValue: show(limitValue), used: show(passed.used), requested: show(requested), resetsAt },
  );
}

/** Reserves the share on the tenant's day, or throws DAILY_LIMIT_REACHED with nothing counted. */
export async function reserveDailyShare(ctx: Context, tenant: string, limits: TenantLimits, share: DailyShare): Promise<Reservation> {
  const now = ctx.clock.now();
  const key = ctx.keys.tenantUsage(tenant, utcDay(now));
  const reply = await runScript(
    ctx.redis,
    RESERVE_DAILY_USAGE,
    [key],
    [
      String(share.recipients),
      String(share.spendMicros),
      limits.recipientsPerDay === undefined ? '' : String(limits.recipientsPerDay),
      limits.spendPerDayMicros === undefined ? '' : String(limits.spendPerDayMicros),
      // Kept a day past its end, so that `smsq keys list` can still show yesterday's usage after midnight.
      String(dayEnd(now) + 24 * 3600_000),
    ],
  );
  if (reply !== 0) throw dailyLimitError(tenant, limits, { limit: reply[0], used: Number(reply[1]) }, share, now);
  return { key, share };
}

/** Gives a reservation back to the day it was taken from (a commit that failed). */
export async function releaseDailyShare(ctx: Context, r: Reservation): Promise<void> {
  await ctx.redis.multi().hincrby(r.key, 'recipients', -r.share.recipients).hincrby(r.key, 'spendMicros', -r.share.spendMicros).exec();
}

/** For a preview: what an enqueue now would be refused for by the day's limits, reading the day without reserving. */
export function dailyRefusal(tenant: string, limits: TenantLimits, usage: TenantUsage, share: DailyShare, now: number): SmsqError | null {
  const passed = limitPassed(limits, usage, share);
  return passed ? dailyLimitError(tenant, limits, passed, share, now) : null;
}
