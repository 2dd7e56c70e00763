/**
 * API keys and who holds them. A key is shown once, at creation; Redis keeps only its SHA-256, which is enough for
 * a 256-bit random secret (a slow hash protects guessable passwords, not these). A key reads
 * `smsq_<id>_<secret>`: the id finds its record in one read, so checking a key costs one HGET and no scan.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * What a key may do. `admin`: everything (API_TOKEN is one). `tenant`: its own tenant's campaigns and suppression
 * entries, and reading the shared suppression list. `read`: status, results and metrics, no change; with a
 * tenant, only that tenant's campaigns.
 */
export const SCOPES = ['admin', 'tenant', 'read'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * A tenant's name: lower-case letters, digits and '-', at most 16 characters. Short, because it prefixes its
 * campaigns' ids and marks its suppression entries (whose stored source is capped).
 */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,15}$/;
export const TENANT_RULE = "a tenant is 1 to 16 lower-case letters, digits or '-', starting with a letter or digit";
/** A key's name: what the audit trail and `smsq keys list` call it. */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/;
export const KEY_NAME_RULE = "a key's name is 1 to 48 letters, digits, '_', '.' or '-', starting with a letter or digit";
const ID_PATTERN = /^[a-z0-9]{12}$/;

/** One API key as Redis keeps it: never the key, only its hash. Times are ms since the epoch. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  scope: Scope;
  /** Required for `tenant`, optional for `read` (then it reads only that tenant's), absent for `admin`. */
  tenant?: string;
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  /** SHA-256 of the whole key, hex. */
  hash: string;
}

/** Who is calling: a key, API_TOKEN, the dashboard login or the CLI. The audit trail records `keyId` and `keyName`. */
export interface Principal {
  keyId: string;
  keyName: string;
  scope: Scope;
  tenant?: string;
}

/** API_TOKEN: an admin key that lives in the environment. */
export const API_TOKEN_PRINCIPAL: Principal = { keyId: 'api-token', keyName: 'API_TOKEN', scope: 'admin' };

export function newKeyId(): string {
  // 12 characters of [a-z0-9] from 9 random bytes: unique enough for a few thousand keys, short enough to type.
  return BigInt(`0x${randomBytes(9).toString('hex')}`)
    .toString(36)
    .padStart(12, '0')
    .slice(-12);
}

export function newKey(id: string): string {
  return `smsq_${id}_${randomBytes(32).toString('base64url')}`;
}

export function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The id a presented key claims, or null when it does not have a key's shape. */
export function keyIdOf(presented: string): string | null {
  const m = /^smsq_([a-z0-9]{12})_[A-Za-z0-9_-]{43}$/.exec(presented);
  return m ? m[1] : null;
}

export const isKeyId = (id: string): boolean => ID_PATTERN.test(id);

/** Whether `presented` is the key whose hash is `hash`, in constant time. */
export function hashMatches(presented: string, hash: string): boolean {
  const a = Buffer.from(keyHash(presented), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
