import { readFileSync } from 'node:fs';
import type { EnvReader } from './env';
import { isLocalGateway, SIMULATOR_CREDENTIALS, type GatewayConfig } from './gateway';

/** The account SMS_API_* make when SMS_ACCOUNTS and SMS_ACCOUNTS_FILE are unset; its recipients' outcomes name no account. */
export const DEFAULT_ACCOUNT = 'default';

/** At most this many accounts: each has its own client, state keys and metrics series. */
export const MAX_ACCOUNTS = 32;

/** An account's name: it appears in results, metrics labels, Redis keys and the delivery-report push path. */
export const ACCOUNT_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * One gateway account (`SMS_ACCOUNTS`): where it is, its credentials, which recipients it may send to, and how it
 * shares traffic with the others (docs/accounts.md).
 */
export interface GatewayAccount {
  /** The account's name: lowercase letters, digits, `-` and `_`, up to 32. @defaultValue none: required */
  name: string;
  /** The account's `<base>`: `<base>/sendSms` is called. @defaultValue none: required */
  baseUrl: string;
  /** @defaultValue none: required, unless the base URL is on this machine (then the simulator's `sim-key`) */
  apiKey: string;
  /** @defaultValue none: required, as apiKey (the simulator's `sim-secret`) */
  apiSecret: string;
  /** @defaultValue none: required, as apiKey (the simulator's `sim-app`) */
  appId: string;
  /** Sender IDs the account may send with; empty: any. @defaultValue `[]` */
  senderIds: readonly string[];
  /** Leading digits of the numbers it may send to (calling code first, `44`, `4477`); empty with no countries: any. @defaultValue `[]` */
  prefixes: readonly string[];
  /** ISO 3166 alpha-2 countries it may send to (`GB`), by libphonenumber's metadata; empty with no prefixes: any. @defaultValue `[]` */
  countries: readonly string[];
  /** Recipients per second through this account, shared by all workers; 0: no limit of its own. @defaultValue 0 */
  maxRate: number;
  /** Lower is tried first; accounts of one priority share traffic by weight. @defaultValue 0 */
  priority: number;
  /** An account's share of its priority's recipients, 1 to 1000. @defaultValue 1 */
  weight: number;
}

const FIELDS = new Set([
  'name',
  'baseUrl',
  'apiKey',
  'apiSecret',
  'appId',
  'senderIds',
  'prefixes',
  'countries',
  'maxRate',
  'priority',
  'weight',
]);
/** The accounts file is read whole at start: a bound keeps a wrong path (a log file) from filling memory. */
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * The accounts: SMS_ACCOUNTS (JSON) or SMS_ACCOUNTS_FILE (a path to the same JSON), else one account named
 * `default` made of SMS_API_*. Every problem names the account (its name, or its position) and the field.
 */
export function readAccounts(r: EnvReader, gateway: GatewayConfig): GatewayAccount[] {
  const inline = r.str('SMS_ACCOUNTS');
  const file = r.str('SMS_ACCOUNTS_FILE');
  if (inline && file) r.problems.push('set SMS_ACCOUNTS or SMS_ACCOUNTS_FILE, not both');
  if (!inline && !file) return [defaultAccount(gateway)];
  const source = inline ? 'SMS_ACCOUNTS' : `SMS_ACCOUNTS_FILE (${file})`;
  let text = inline;
  if (!inline) {
    try {
      const buf = readFileSync(file);
      if (buf.length > MAX_FILE_BYTES) {
        r.problems.push(`${source} is larger than ${MAX_FILE_BYTES} bytes`);
        return [];
      }
      text = buf.toString('utf8');
    } catch (err) {
      r.problems.push(`${source} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      return [];
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    r.problems.push(`${source} is not JSON: ${(err as Error).message}`);
    return [];
  }
  return parseAccounts(parsed, source, r.problems);
}

/** Checks a parsed accounts list; each problem is pushed to `problems` with the account and field named. */
export function parseAccounts(parsed: unknown, source: string, problems: string[]): GatewayAccount[] {
  if (!Array.isArray(parsed) || parsed.length === 0) {
    problems.push(`${source} must be a JSON array of one or more accounts`);
    return [];
  }
  if (parsed.length > MAX_ACCOUNTS) problems.push(`${source} has ${parsed.length} accounts; at most ${MAX_ACCOUNTS}`);
  const out: GatewayAccount[] = [];
  const names = new Set<string>();
  parsed.slice(0, MAX_ACCOUNTS).forEach((raw, i) => {
    const where = (field: string, name?: string) => `${source}: account ${name ? `"${name}"` : `#${i + 1}`}, field ${field}`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${source}: account #${i + 1} is not an object`);
      return;
    }
    const a = raw as Record<string, unknown>;
    const name = typeof a.name === 'string' ? a.name : undefined;
    const label = name && ACCOUNT_NAME.test(name) ? name : undefined;
    const before = problems.length;
    for (const k of Object.keys(a)) if (!FIELDS.has(k)) problems.push(`${where(k, label)}: unknown field`);
    if (!label) problems.push(`${where('name')}: must match ${ACCOUNT_NAME.source} (lowercase letters, digits, - and _)`);
    else if (label === DEFAULT_ACCOUNT)
      problems.push(`${where('name', label)}: "${DEFAULT_ACCOUNT}" is the account SMS_API_* make; give this one another name`);
    else if (names.has(label)) problems.push(`${where('name', label)}: a second account has this name`);
    const text = (field: string, required: boolean, max: number): string => {
      const v = a[field];
      if (v === undefined && !required) return '';
      if (typeof v !== 'string' || v === '' || v.length > max) {
        problems.push(`${where(field, label)}: must be a string of 1 to ${max} characters`);
        return '';
      }
      return v;
    };
    const baseUrl = text('baseUrl', true, 2048).replace(/\/+$/, '');
    if (baseUrl && !isHttpUrl(baseUrl)) problems.push(`${where('baseUrl', label)}: must be an http or https URL`);
    const local = baseUrl !== '' && isLocalGateway(baseUrl);
    // Credentials may be left out for the local simulator only, as SMS_API_* may.
    const apiKey = text('apiKey', !local, 256) || SIMULATOR_CREDENTIALS.apiKey;
    const apiSecret = text('apiSecret', !local, 256) || SIMULATOR_CREDENTIALS.apiSecret;
    const appId = text('appId', !local, 256) || SIMULATOR_CREDENTIALS.appId;
    const list = (field: string, item: RegExp, what: string): string[] => {
      const v = a[field];
      if (v === undefined) return [];
      if (!Array.isArray(v) || v.length > 1000 || !v.every((x) => typeof x === 'string' && item.test(x))) {
        problems.push(`${where(field, label)}: must be an array of at most 1000 ${what}`);
        return [];
      }
      return [...new Set(v as string[])];
    };
    const senderIds = list('senderIds', /^.{1,32}$/u, 'sender IDs of 1 to 32 characters');
    const prefixes = list('prefixes', /^[0-9]{1,15}$/, 'digit strings of 1 to 15 digits (no +)');
    const countries = list('countries', /^[A-Za-z]{2}$/, 'two-letter country codes').map((c) => c.toUpperCase());
    const int = (field: string, fallback: number, min: number, max: number): number => {
      const v = a[field];
      if (v === undefined) return fallback;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        problems.push(`${where(field, label)}: must be a whole number from ${min} to ${max}`);
        return fallback;
      }
      return v;
    };
    const account: GatewayAccount = {
      name: label ?? '',
      baseUrl,
      apiKey,
      apiSecret,
      appId,
      senderIds,
      prefixes,
      countries,
      maxRate: int('maxRate', 0, 0, 1_000_000),
      priority: int('priority', 0, 0, 1000),
      weight: int('weight', 1, 1, 1000),
    };
    if (label) names.add(label);
    if (problems.length === before) out.push(account);
  });
  return out;
}

/** The account SMS_API_* describe. */
export function defaultAccount(g: GatewayConfig): GatewayAccount {
  return {
    name: DEFAULT_ACCOUNT,
    baseUrl: g.baseUrl,
    apiKey: g.apiKey,
    apiSecret: g.apiSecret,
    appId: g.appId,
    senderIds: [],
    prefixes: [],
    countries: [],
    maxRate: 0,
    priority: 0,
    weight: 1,
  };
}

function isHttpUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
