/**
 * API keys in Redis: `api-keys` (hash, id → record JSON, never the key) and `api-keys:used` (hash, id → last use,
 * ms). Nothing is cached: every check reads the record, so a revocation holds on every server from the next request.
 * A record that cannot be read is refused as a key and skipped (and named) in a list, never breaking either.
 */
import type { Keys } from '../redis/keys';
import type { RedisClient } from '../redis/connection';
import type { Clock } from '../time/clock';
import { SmsqError } from '../errors';
import {
  type ApiKeyRecord,
  hashMatches,
  keyHash,
  keyIdOf,
  KEY_NAME_PATTERN,
  KEY_NAME_RULE,
  newKey,
  newKeyId,
  type Principal,
  type Scope,
  SCOPES,
  TENANT_PATTERN,
  TENANT_RULE,
} from './api-key';

/** At most this many keys, revoked ones included: a list is read whole. */
export const MAX_KEYS = 1_000;
/** A key's last use is written at most this often per key and process: a busy key costs no write per request. */
const TOUCH_EVERY_MS = 60_000;
/** The longest life a key may be given: ten years. */
export const MAX_KEY_LIFE_MS = 10 * 365 * 24 * 3600_000;

export interface NewKeyOptions {
  name: string;
  scope: Scope;
  tenant?: string;
  /** Life from now, ms; none: until revoked. */
  expiresInMs?: number;
}

/** A key as listed: its record without the hash, with its last use. */
export interface ApiKeyInfo extends Omit<ApiKeyRecord, 'hash'> {
  lastUsedAt?: number;
  /** `active`, `revoked` or `expired`, as of the listing. */
  status: 'active' | 'revoked' | 'expired';
}

export type KeyCheck = { principal: Principal } | { refused: 'unknown' | 'revoked' | 'expired' };

export class KeyStore {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly clock: Clock,
  ) {}

  /** Creates a key; the key itself is in the answer and nowhere else. */
  async create(opts: NewKeyOptions): Promise<{ record: ApiKeyInfo; key: string }> {
    const problems = checkNewKey(opts);
    if (problems.length > 0) throw new SmsqError('VALIDATION_FAILED', problems.join('; '), { fields: { key: problems.join('; ') } });
    if ((await this.redis.hlen(this.keys.apiKeys())) >= MAX_KEYS)
      throw new SmsqError('VALIDATION_FAILED', `there are ${MAX_KEYS} keys already; remove revoked ones first`, {
        fields: { key: 'too many keys' },
      });
    const id = newKeyId();
    const key = newKey(id);
    const now = this.clock.now();
    const record: ApiKeyRecord = {
      id,
      name: opts.name,
      scope: opts.scope,
      ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}),
      createdAt: now,
      ...(opts.expiresInMs !== undefined ? { expiresAt: now + opts.expiresInMs } : {}),
      hash: keyHash(key),
    };
    const added = await this.redis.hsetnx(this.keys.apiKeys(), id, JSON.stringify(record));
    if (added !== 1) throw new Error(`key id ${id} was drawn twice`);
    return { record: this.info(record, undefined), key };
  }

  /** Who holds `presented`, or why it is refused. */
  async check(presented: string): Promise<KeyCheck> {
    const id = keyIdOf(presented);
    if (id === null) return { refused: 'unknown' };
    const record = parseRecord(await this.redis.hget(this.keys.apiKeys(), id));
    if (!record || !hashMatches(presented, record.hash)) return { refused: 'unknown' };
    if (record.revokedAt !== undefined) return { refused: 'revoked' };
    const now = this.clock.now();
    if (record.expiresAt !== undefined && record.expiresAt <= now) return { refused: 'expired' };
    this.touch(id, now);
    return { principal: { keyId: id, keyName: record.name, scope: record.scope, ...(record.tenant ? { tenant: record.tenant } : {}) } };
  }

  async get(id: string): Promise<ApiKeyInfo | null> {
    const [raw, used] = await Promise.all([this.redis.hget(this.keys.apiKeys(), id), this.redis.hget(this.keys.apiKeysUsed(), id)]);
    const record = parseRecord(raw);
    return record ? this.info(record, used) : null;
  }

  /** Every key, oldest first; a record that cannot be read is left out and returned by id in `unreadable`. */
  async list(): Promise<{ keys: ApiKeyInfo[]; unreadable: string[] }> {
    const [all, used] = await Promise.all([this.redis.hgetall(this.keys.apiKeys()), this.redis.hgetall(this.keys.apiKeysUsed())]);
    const keys: ApiKeyInfo[] = [];
    const unreadable: string[] = [];
    for (const [id, raw] of Object.entries(all)) {
      const record = parseRecord(raw);
      if (record && record.id === id) keys.push(this.info(record, used[id]));
      else unreadable.push(id);
    }
    keys.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    return { keys, unreadable };
  }

  /** Revokes a key for good; KEY_NOT_FOUND for an unknown id. Revoking a revoked key changes nothing. */
  async revoke(id: string): Promise<ApiKeyInfo> {
    const record = parseRecord(await this.redis.hget(this.keys.apiKeys(), id));
    if (!record) throw new SmsqError('KEY_NOT_FOUND', `no API key ${JSON.stringify(id)}; smsq keys list shows them`);
    if (record.revokedAt === undefined) {
      record.revokedAt = this.clock.now();
      await this.redis.hset(this.keys.apiKeys(), id, JSON.stringify(record));
    }
    return this.info(record, await this.redis.hget(this.keys.apiKeysUsed(), id));
  }

  private info(record: ApiKeyRecord, used: string | null | undefined): ApiKeyInfo {
    const { hash: _hash, ...rest } = record;
    const lastUsedAt = used ? Number(used) : NaN;
    const now = this.clock.now();
    const status =
      record.revokedAt !== undefined ? 'revoked' : record.expiresAt !== undefined && record.expiresAt <= now ? 'expired' : 'active';
    return { ...rest, ...(Number.isFinite(lastUsedAt) ? { lastUsedAt } : {}), status };
  }

  /** Records a use, at most once a minute per key from this process; a failed write does not refuse the request. */
  private touch(id: string, now: number): void {
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    this.redis.hset(this.keys.apiKeysUsed(), id, String(now)).catch(() => this.touched.delete(id));
  }
}

export function checkNewKey(opts: NewKeyOptions): string[] {
  const problems: string[] = [];
  if (!KEY_NAME_PATTERN.test(opts.name ?? '')) problems.push(`name ${JSON.stringify(opts.name)}: ${KEY_NAME_RULE}`);
  if (!SCOPES.includes(opts.scope)) problems.push(`scope ${JSON.stringify(opts.scope)}: give one of ${SCOPES.join(', ')}`);
  if (opts.tenant !== undefined && !TENANT_PATTERN.test(opts.tenant))
    problems.push(`tenant ${JSON.stringify(opts.tenant)}: ${TENANT_RULE}`);
  if (opts.scope === 'tenant' && opts.tenant === undefined) problems.push('a tenant key needs its tenant (--tenant)');
  if (opts.scope === 'admin' && opts.tenant !== undefined) problems.push('an admin key has no tenant: it sees every tenant');
  if (
    opts.expiresInMs !== undefined &&
    !(Number.isInteger(opts.expiresInMs) && opts.expiresInMs > 0 && opts.expiresInMs <= MAX_KEY_LIFE_MS)
  )
    problems.push('expires must be a positive duration of at most 10 years (90d, 12h)');
  return problems;
}

/** A stored record, or null when it is not one (hand-edited, or written by a version that knew other fields). */
function parseRecord(raw: string | null | undefined): ApiKeyRecord | null {
  if (!raw) return null;
  try {
    const r = JSON.parse(raw) as Partial<ApiKeyRecord>;
    const time = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));
    if (
      typeof r.id !== 'string' ||
      typeof r.name !== 'string' ||
      !SCOPES.includes(r.scope as Scope) ||
      typeof r.hash !== 'string' ||
      !/^[0-9a-f]{64}$/.test(r.hash) ||
      typeof r.createdAt !== 'number' ||
      !time(r.expiresAt) ||
      !time(r.revokedAt) ||
      (r.tenant !== undefined && (typeof r.tenant !== 'string' || !TENANT_PATTERN.test(r.tenant))) ||
      (r.scope === 'tenant' && r.tenant === undefined)
    )
      return null;
    return r as ApiKeyRecord;
  } catch {
    return null;
  }
}
