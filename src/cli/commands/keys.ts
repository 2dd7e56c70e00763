import {
  createKey,
  type KeyListing,
  type LimitsChange,
  listKeys,
  revokeKey,
  updateKey,
  type WebhookChange,
  type WebhookInput,
} from '../../producer/operator/keys';
import { withIsoTimes } from '../../shared/campaign/json';
import { isPriority, PRIORITIES } from '../../shared/campaign/lanes';
import type { Scope } from '../../shared/tenants/api-key';
import { cliActor } from '../actor';
import { parse, UsageError } from '../args';
import { withContext } from '../open-producer';
import { out, say, visible } from '../output';

/**
 * `smsq keys create|list|revoke|update`: API keys and their tenants' limits and webhooks. The CLI acts as
 * `cli:<os user>` in the audit trail; a key (and a generated webhook secret) is printed once, at creation.
 */
export default async function keysCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'create') return create(rest);
  if (sub === 'list') return list(rest);
  if (sub === 'revoke') return revoke(rest);
  if (sub === 'update') return update(rest);
  throw new UsageError('expected "keys create", "keys list", "keys revoke ID" or "keys update ID" (smsq keys --help)');
}

/** The options that set a tenant's limits and webhook, shared by create and update. */
const SETTINGS_OPTIONS = {
  lanes: { type: 'string' },
  'max-rate': { type: 'string' },
  'recipients-per-day': { type: 'string' },
  'spend-per-day': { type: 'string' },
  'webhook-url': { type: 'string' },
  'webhook-secret': { type: 'string' },
} as const;

type SettingsValues = { [K in keyof typeof SETTINGS_OPTIONS]?: string };

async function create(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      name: { type: 'string' },
      scope: { type: 'string' },
      tenant: { type: 'string' },
      expires: { type: 'string' },
      json: { type: 'boolean' },
      ...SETTINGS_OPTIONS,
    },
    { min: 0, max: 0, names: 'options only: --name N --scope admin|tenant|read' },
  );
  if (values.name === undefined) throw new UsageError('--name is required: what the audit trail and keys list call the key');
  if (values.scope === undefined) throw new UsageError('--scope is required: admin, tenant or read');
  const limits = limitsOf(values, false);
  const webhook = newWebhookOf(values);
  const created = await withContext((ctx) =>
    createKey(ctx, cliActor(), {
      name: values.name!,
      scope: values.scope as Scope,
      ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
      ...(values.expires !== undefined ? { expires: values.expires } : {}),
      ...(limits ? { limits } : {}),
      ...(webhook ? { webhook } : {}),
    }),
  );
  if (values.json) {
    const { id, name, scope, tenant, key, webhookSecret } = created;
    await out(
      `${JSON.stringify({ id, name, scope, ...(tenant !== undefined ? { tenant } : {}), key, ...(webhookSecret !== undefined ? { webhookSecret } : {}) })}\n`,
    );
    return 0;
  }
  const expires = created.expiresAt === undefined ? 'never' : new Date(created.expiresAt).toISOString();
  await out(
    `${table([
      ['ID', 'NAME', 'SCOPE', 'TENANT', 'EXPIRES'],
      [created.id, created.name, created.scope, created.tenant ?? '-', expires],
    ])}\n\nThe key, shown this once (smsq keys list never shows it): store it now.\n${created.key}\n`,
  );
  if (created.webhookSecret !== undefined)
    await out(`\nThe tenant's new webhook signing secret, shown this once:\n${created.webhookSecret}\n`);
  return 0;
}

async function list(argv: string[]): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } }, { min: 0, max: 0, names: 'no arguments' });
  const { keys, unreadable } = await withContext((ctx) => listKeys(ctx));
  if (values.json) {
    await out(`${JSON.stringify({ keys: keys.map(withIsoTimes), unreadable })}\n`);
  } else if (keys.length === 0) {
    say('no API keys: smsq keys create --name N --scope admin|tenant|read makes one\n');
  } else {
    await out(
      `${table([['ID', 'NAME', 'SCOPE', 'TENANT', 'STATUS', 'CREATED', 'EXPIRES', 'LAST-USED', 'LIMITS', 'TODAY'], ...keys.map(row)])}\n`,
    );
  }
  if (unreadable.length > 0) say(`unreadable key records, left out: ${unreadable.map((id) => visible(id)).join(', ')}\n`);
  return 0;
}

async function revoke(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, { min: 1, max: 1, names: 'the id of the key to revoke (smsq keys list shows them)' });
  const revoked = await withContext((ctx) => revokeKey(ctx, cliActor(), positionals[0]));
  await out(`key ${revoked.id} (${revoked.name}) revoked: every server refuses it from its next request\n`);
  return 0;
}

async function update(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { json: { type: 'boolean' }, ...SETTINGS_OPTIONS },
    { min: 1, max: 1, names: "the id of a tenant's key, then the limits or webhook to change" },
  );
  const limits = limitsOf(values, true);
  const webhook = webhookChangeOf(values);
  if (!limits && webhook === undefined) throw new UsageError('nothing to change: give a limit (N or none) or --webhook-url URL|none');
  const { key, webhookSecret } = await withContext((ctx) =>
    updateKey(ctx, cliActor(), positionals[0], { ...(limits ? { limits } : {}), ...(webhook !== undefined ? { webhook } : {}) }),
  );
  if (values.json) {
    await out(`${JSON.stringify({ key: withIsoTimes(key), ...(webhookSecret !== undefined ? { webhookSecret } : {}) })}\n`);
    return 0;
  }
  await out(`tenant ${key.tenant} of key ${key.id} (${key.name}): limits ${limitsText(key)}; webhook ${key.webhookUrl ?? 'none'}\n`);
  if (webhookSecret !== undefined) await out(`\nThe tenant's new webhook signing secret, shown this once:\n${webhookSecret}\n`);
  return 0;
}

/** The limits the options give; `none` removes one (update only). Undefined when none is given. */
function limitsOf(values: SettingsValues, mayRemove: boolean): LimitsChange | undefined {
  const limits: LimitsChange = {};
  const none = (option: string, raw: string) => {
    if (raw !== 'none') return false;
    if (!mayRemove) throw new UsageError(`--${option} none: only smsq keys update removes a limit`);
    return true;
  };
  if (values.lanes !== undefined) {
    if (none('lanes', values.lanes)) limits.lanes = null;
    else {
      const lanes = values.lanes.split(',').map((l) => l.trim());
      if (!lanes.every(isPriority))
        throw new UsageError(`--lanes must list lanes of ${PRIORITIES.join(', ')}, not "${visible(values.lanes)}"`);
      limits.lanes = [...new Set(lanes)];
    }
  }
  for (const [option, field] of [
    ['max-rate', 'maxRate'],
    ['recipients-per-day', 'recipientsPerDay'],
  ] as const) {
    const raw = values[option];
    if (raw === undefined) continue;
    if (none(option, raw)) limits[field] = null;
    else if (/^\d{1,15}$/.test(raw)) limits[field] = Number(raw);
    else throw new UsageError(`--${option} must be a whole number${mayRemove ? ' or none' : ''}, not "${visible(raw)}"`);
  }
  const spend = values['spend-per-day'];
  if (spend !== undefined) limits.spendPerDay = none('spend-per-day', spend) ? null : spend;
  return Object.keys(limits).length > 0 ? limits : undefined;
}

/** create's webhook: a URL, with or without a secret. */
function newWebhookOf(values: SettingsValues): WebhookInput | undefined {
  const url = values['webhook-url'];
  const secret = values['webhook-secret'];
  if (url === undefined && secret !== undefined) throw new UsageError('--webhook-secret goes with --webhook-url');
  if (url === 'none') throw new UsageError('--webhook-url none: only smsq keys update removes a webhook');
  return url === undefined ? undefined : { url, ...(secret !== undefined ? { secret } : {}) };
}

/** update's webhook: a URL, a secret or both; `none` removes it. */
function webhookChangeOf(values: SettingsValues): WebhookChange | null | undefined {
  const url = values['webhook-url'];
  const secret = values['webhook-secret'];
  if (url === 'none') {
    if (secret !== undefined) throw new UsageError('--webhook-url none removes the webhook and its secret: give no --webhook-secret');
    return null;
  }
  if (url === undefined && secret === undefined) return undefined;
  return { ...(url !== undefined ? { url } : {}), ...(secret !== undefined ? { secret } : {}) };
}

function row(k: KeyListing): string[] {
  const iso = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));
  return [
    k.id,
    k.name,
    k.scope,
    k.tenant ?? '-',
    k.status,
    iso(k.createdAt),
    k.expiresAt === undefined ? 'never' : iso(k.expiresAt),
    iso(k.lastUsedAt),
    k.tenant === undefined ? '-' : limitsText(k),
    k.today ? `${k.today.recipients} recipients, ${k.today.spend}` : '-',
  ];
}

function limitsText(k: KeyListing): string {
  const l = k.limits ?? {};
  const parts = [
    l.lanes && `lanes ${l.lanes.join(',')}`,
    l.maxRate !== undefined && `rate ${l.maxRate}/s`,
    l.recipientsPerDay !== undefined && `${l.recipientsPerDay} recipients/day`,
    l.spendPerDay !== undefined && `spend ${l.spendPerDay}/day`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** Columns padded to their widest cell, two spaces apart. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
