/**
 * Managing API keys and their tenants' settings, as `smsq keys` and /v1/keys do it: create (the key shown once),
 * list (never a key, a hash or a webhook secret), revoke, and update a key's tenant's limits and webhook. Every change
 * goes to the audit trail with who made it; a webhook secret appears there only as `secretChanged: true`.
 */
import { randomBytes } from 'node:crypto';
import type { Actor } from '../../shared/audit/audit-log';
import type { Priority } from '../../shared/campaign/lanes';
import { checkWebhookSecret, checkWebhookUrl, WEBHOOK_SECRET_PREFIX } from '../../shared/config/webhooks';
import type { Context } from '../../shared/context';
import { formatMicros, toMicros } from '../../shared/delivery/money';
import { SmsqError } from '../../shared/errors';
import { type Scope, TENANT_PATTERN } from '../../shared/tenants/api-key';
import { type ApiKeyInfo, checkNewKey, MAX_KEY_LIFE_MS } from '../../shared/tenants/key-store';
import { checkLimits, type TenantLimits, type TenantSettings, type TenantWebhook } from '../../shared/tenants/tenant-settings';
import { readUsage, type TenantUsage } from '../../shared/tenants/tenant-usage';
import { displayUrl } from '../../shared/webhooks/target-url';

/** A tenant's limits as an operator writes and reads them: spend per day as a decimal amount of the price table's currency. */
export interface LimitsView {
  lanes?: Priority[];
  maxRate?: number;
  recipientsPerDay?: number;
  /** e.g. "25.00". */
  spendPerDay?: string;
}

/** A change of limits: a value sets one, null removes it, absent leaves it. */
export type LimitsChange = { [K in keyof LimitsView]?: LimitsView[K] | null };

/** A webhook to set: without a secret, the tenant's keeps its own, or gets a new one when it has none. */
export interface WebhookInput {
  url: string;
  secret?: string;
}

/** A change of a tenant's webhook: its URL, its secret or both; what is left out stays. */
export type WebhookChange = Partial<WebhookInput>;

export interface CreateKeyOptions {
  name: string;
  scope: Scope;
  /** The key's tenant; a `tenant` key given none is its name's tenant (`--name shop --scope tenant` is tenant shop). */
  tenant?: string;
  /** A life such as `90d`, `12h` or `30m`; none: until revoked. */
  expires?: string;
  /** A change to the tenant's limits, made with the key (a key needs a tenant for these); they are the tenant's, shared by its keys. */
  limits?: LimitsChange;
  webhook?: WebhookInput;
}

export interface CreatedKey {
  id: string;
  name: string;
  scope: Scope;
  tenant?: string;
  /** The key itself: shown here, once, and kept nowhere. */
  key: string;
  createdAt: number;
  expiresAt?: number;
  /** A webhook secret generated for the tenant: shown here, once. */
  webhookSecret?: string;
}

/** A key as listed: its record (no hash), and for a tenant's key the tenant's limits, today's usage and webhook URL. */
export interface KeyListing extends ApiKeyInfo {
  limits?: LimitsView;
  /** What the tenant queued today (UTC): recipients and estimated spend. */
  today?: { day: string; recipients: number; spend: string };
  /** Without credentials or query string. */
  webhookUrl?: string;
  webhookSecretSet?: boolean;
}

export interface KeyUpdate {
  limits?: LimitsChange;
  /** null removes the tenant's webhook. */
  webhook?: WebhookChange | null;
}

/** The shortest and longest life a key may be given. */
const MIN_LIFE_MS = 60_000;
const DURATION_UNITS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const SPEND_PATTERN = /^\d{1,12}(\.\d{1,6})?$/;

/** Creates a key, and sets its tenant's limits and webhook when given; everything is checked before anything is written. */
export async function createKey(ctx: Context, actor: Actor, given: CreateKeyOptions): Promise<CreatedKey> {
  const opts =
    given.scope === 'tenant' && given.tenant === undefined && TENANT_PATTERN.test(given.name) ? { ...given, tenant: given.name } : given;
  const expiresInMs = opts.expires === undefined ? undefined : parseLife(opts.expires);
  const problems = checkNewKey({ name: opts.name, scope: opts.scope, tenant: opts.tenant, expiresInMs });
  const change = settingsChange(opts.limits, opts.webhook);
  if (change && opts.tenant === undefined) problems.push('limits and a webhook belong to a tenant: give the key a tenant');
  if (problems.length > 0) throw invalid(problems);
  // The tenant's limits are written before its key exists: a failure between the two leaves limits without a key,
  // never a key without its limits.
  const webhookSecret = change && opts.tenant !== undefined ? await updateTenant(ctx, actor, opts.tenant, change) : undefined;
  const { record, key } = await ctx.apiKeys.create({ name: opts.name, scope: opts.scope, tenant: opts.tenant, expiresInMs });
  await ctx.audit.record(actor, {
    action: 'key.create',
    ...(record.tenant !== undefined ? { tenant: record.tenant } : {}),
    changes: {
      id: record.id,
      name: record.name,
      scope: record.scope,
      ...(record.expiresAt !== undefined ? { expiresAt: record.expiresAt } : {}),
    },
  });
  return {
    id: record.id,
    name: record.name,
    scope: record.scope,
    ...(record.tenant !== undefined ? { tenant: record.tenant } : {}),
    key,
    createdAt: record.createdAt,
    ...(record.expiresAt !== undefined ? { expiresAt: record.expiresAt } : {}),
    ...(webhookSecret !== undefined ? { webhookSecret } : {}),
  };
}

/** Every key, oldest first, with its tenant's limits, today's usage and webhook URL; `unreadable` names records skipped. */
export async function listKeys(ctx: Context): Promise<{ keys: KeyListing[]; unreadable: string[] }> {
  const [{ keys, unreadable }, settings] = await Promise.all([ctx.apiKeys.list(), ctx.tenants.all()]);
  const now = ctx.clock.now();
  const tenants = [...new Set(keys.flatMap((k) => (k.tenant === undefined ? [] : [k.tenant])))];
  const usage = new Map(await Promise.all(tenants.map(async (t) => [t, await readUsage(ctx.redis, ctx.keys, t, now)] as const)));
  const listed = keys.map((k) => (k.tenant === undefined ? k : keyListing(k, settings.get(k.tenant), usage.get(k.tenant))));
  return { keys: listed, unreadable };
}

/** A tenant's key as listed: its tenant's limits, today's usage and webhook URL (never its secret). */
function keyListing(k: ApiKeyInfo, settings: TenantSettings | undefined, u: TenantUsage | undefined): KeyListing {
  const s = settings ?? { limits: {} };
  return {
    ...k,
    limits: limitsView(s.limits),
    ...(u ? { today: { day: u.day, recipients: u.recipients, spend: formatMicros(u.spendMicros) } } : {}),
    ...(s.webhook ? { webhookUrl: displayUrl(s.webhook.url) } : {}),
    webhookSecretSet: s.webhook !== undefined,
  };
}

/** Revokes a key: every server refuses it from its next request. KEY_NOT_FOUND for an unknown id. */
export async function revokeKey(ctx: Context, actor: Actor, id: string): Promise<ApiKeyInfo> {
  const before = await ctx.apiKeys.get(id);
  const after = await ctx.apiKeys.revoke(id);
  // Revoking a revoked key changes nothing, so it records nothing.
  if (before && before.revokedAt === undefined) {
    await ctx.audit.record(actor, {
      action: 'key.revoke',
      ...(after.tenant !== undefined ? { tenant: after.tenant } : {}),
      changes: { id: after.id, name: after.name, scope: after.scope },
    });
  }
  return after;
}

/**
 * Changes the limits and webhook of a key's tenant (shared by all its keys). A key without a tenant has neither:
 * VALIDATION_FAILED. Returns the key as listed, and a webhook secret when one was generated.
 */
export async function updateKey(
  ctx: Context,
  actor: Actor,
  id: string,
  update: KeyUpdate,
): Promise<{ key: KeyListing; webhookSecret?: string }> {
  const info = await ctx.apiKeys.get(id);
  if (!info) throw new SmsqError('KEY_NOT_FOUND', `no API key ${JSON.stringify(id)}; smsq keys list shows them`);
  const change = settingsChange(update.limits, update.webhook);
  if (!change) throw invalid(['nothing to change: give limits or a webhook']);
  if (info.tenant === undefined)
    throw invalid([`key ${id} (${info.scope}) has no tenant: limits and webhooks belong to a tenant's keys`], 'tenant');
  const webhookSecret = await updateTenant(ctx, actor, info.tenant, change, id);
  const [settings, usage] = await Promise.all([ctx.tenants.get(info.tenant), readUsage(ctx.redis, ctx.keys, info.tenant, ctx.clock.now())]);
  return { key: keyListing(info, settings, usage), ...(webhookSecret !== undefined ? { webhookSecret } : {}) };
}

/** `90d`, `12h`, `30m` in ms; VALIDATION_FAILED naming `expires` for anything else or out of bounds. */
export function parseLife(raw: string): number {
  const m = /^(\d{1,7})([mhd])$/.exec(raw.trim());
  const ms = m ? Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS] : NaN;
  if (!(ms >= MIN_LIFE_MS && ms <= MAX_KEY_LIFE_MS))
    throw invalid([`expires ${JSON.stringify(raw.slice(0, 32))}: give a life from 1m to 3650d, such as 90d, 12h or 30m`], 'expires');
  return ms;
}

/** A change as the settings store takes it, checked, with a webhook's secret still to be resolved. */
interface SettingsChange {
  limits?: { [K in keyof TenantLimits]?: TenantLimits[K] | null };
  webhook?: WebhookChange | null;
}

/** The store's form of a change, checked; undefined when nothing is to change. */
function settingsChange(limits: LimitsChange | undefined, webhook: WebhookChange | null | undefined): SettingsChange | undefined {
  const problems: string[] = [];
  const out: SettingsChange = {};
  if (limits && Object.keys(limits).length > 0) {
    const { spendPerDay, ...rest } = limits;
    const stored: NonNullable<SettingsChange['limits']> = { ...rest };
    if (spendPerDay === null) stored.spendPerDayMicros = null;
    else if (spendPerDay !== undefined) {
      const micros = typeof spendPerDay === 'string' && SPEND_PATTERN.test(spendPerDay) ? toMicros(spendPerDay) : null;
      if (micros === null || micros <= 0)
        problems.push(
          `spendPerDay ${JSON.stringify(String(spendPerDay).slice(0, 32))}: give an amount above 0 with at most 6 decimals, such as 25.00`,
        );
      else stored.spendPerDayMicros = micros;
    }
    problems.push(...checkLimits(stored));
    out.limits = stored;
  }
  if (webhook !== undefined) {
    if (webhook && webhook.url === undefined && webhook.secret === undefined) problems.push('webhook: give its url, its secret or both');
    const url = webhook?.url === undefined ? null : checkWebhookUrl(webhook.url);
    if (url) problems.push(`webhook url ${url}`);
    const secret = webhook?.secret === undefined ? null : checkWebhookSecret(webhook.secret);
    if (secret) problems.push(`webhook secret ${secret}`);
    out.webhook = webhook;
  }
  if (problems.length > 0) throw invalid(problems);
  return out.limits || out.webhook !== undefined ? out : undefined;
}

/**
 * Applies a checked change to a tenant and records it. A webhook given without a secret keeps the tenant's, or gets
 * a new one when it has none: returned, to be shown once. A secret alone replaces the secret of the tenant's webhook.
 */
async function updateTenant(
  ctx: Context,
  actor: Actor,
  tenant: string,
  change: SettingsChange,
  keyId?: string,
): Promise<string | undefined> {
  let generated: string | undefined;
  let webhook: TenantWebhook | null | undefined = change.webhook === null ? null : undefined;
  if (change.webhook) {
    const given = change.webhook;
    const current = given.url === undefined || given.secret === undefined ? (await ctx.tenants.get(tenant)).webhook : undefined;
    const url = given.url ?? current?.url;
    if (url === undefined) throw invalid([`tenant ${tenant} has no webhook to give a secret: give its url too`], 'webhook');
    let secret = given.secret ?? current?.secret;
    if (secret === undefined) secret = generated = `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
    webhook = { url, secret };
  }
  const { before, after } = await ctx.tenants.update(tenant, { limits: change.limits, webhook }, ctx.clock.now());
  const changes = settingsDiff(before, after);
  if (Object.keys(changes).length > 0)
    await ctx.audit.record(actor, {
      action: 'tenant.update',
      tenant,
      changes: { ...(keyId !== undefined ? { viaKey: keyId } : {}), ...changes },
    });
  return generated;
}

/** The fields that changed, before and after; a webhook secret only as `secretChanged: true`. */
function settingsDiff(before: TenantSettings, after: TenantSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const b = limitsView(before.limits) as Record<string, unknown>;
  const a = limitsView(after.limits) as Record<string, unknown>;
  for (const k of ['lanes', 'maxRate', 'recipientsPerDay', 'spendPerDay']) {
    if (JSON.stringify(b[k]) !== JSON.stringify(a[k])) out[k] = { before: b[k] ?? null, after: a[k] ?? null };
  }
  const urlOf = (s: TenantSettings) => (s.webhook ? displayUrl(s.webhook.url) : null);
  if (before.webhook?.url !== after.webhook?.url) out.webhookUrl = { before: urlOf(before), after: urlOf(after) };
  if (before.webhook?.secret !== after.webhook?.secret) out.secretChanged = true;
  return out;
}

function limitsView(l: TenantLimits): LimitsView {
  return {
    ...(l.lanes ? { lanes: l.lanes } : {}),
    ...(l.maxRate !== undefined ? { maxRate: l.maxRate } : {}),
    ...(l.recipientsPerDay !== undefined ? { recipientsPerDay: l.recipientsPerDay } : {}),
    ...(l.spendPerDayMicros !== undefined ? { spendPerDay: formatMicros(l.spendPerDayMicros) } : {}),
  };
}

function invalid(problems: string[], field = 'key'): SmsqError {
  const message = problems.join('; ');
  return new SmsqError('VALIDATION_FAILED', message, { fields: { [field]: message } });
}
