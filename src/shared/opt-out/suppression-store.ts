import { csvCell, csvNumberCell } from '../text/csv-cell';
import { storedTime } from '../time/stored-time';
import { numberBucket, type Keys } from '../redis/keys';
import { lua, runScript } from '../redis/lua';
import { CHANGE_SUPPRESSIONS, listVersionKeys, SUPPRESSION_LOG_BOUND, SUPPRESSION_STATE } from './list-version';
import type { RedisClient } from '../redis/connection';
import type { OptOutConfig } from '../config';
import { ownerOf } from '../tenants/campaign-owner';

/** Why a number is on the list. `stop-reply` and `start-reply` come from replies; the others from operators and imports. */
export type SuppressionReason = 'stop-reply' | 'manual' | 'import' | 'complaint' | 'bounce' | (string & {});

/** One number on the suppression list. `at` is when it was added, ms since the epoch. */
export interface Suppression {
  number: string;
  reason: SuppressionReason;
  source: string;
  at: number;
}

/** Buckets are the last 4 digits of a number: 0000 … 9999. */
const BUCKETS = 10_000;
/** Entries an import reads before it writes them: few round trips for a million numbers, little enough to stream. */
export const SUPPRESSION_WRITE_CHUNK = 50_000;
/**
 * Entries written by one script, which holds Redis meanwhile: 20,000 take it about 30 ms (50,000 took 80–126 ms).
 * More than the change log keeps, so that an import raises the log's floor rather than filling it and trimming it.
 */
const SCRIPT_CHUNK = 2 * SUPPRESSION_LOG_BOUND;
/**
 * The value is kept under 64 bytes so that a bucket hash stays a listpack (about 30 bytes per number instead of
 * about 90): the reason and the source are cut to fit.
 */
const MAX_REASON = 24;
const MAX_SOURCE = 20;

const bucketName = (b: number) => String(b).padStart(4, '0');

/**
 * The account's suppression list: numbers that must not be sent to, checked by every call's start in the same Lua
 * step that records the call in flight (see BEGIN_CALL). Numbers are stored normalised, as recipients are.
 * With SMS_SUPPRESSION_SCOPE=tenant a tenant also has a list of its own (`tenant` below), which binds only its
 * campaigns; every list shares one version, change log and count, so staging and BEGIN_CALL see a change to any.
 */
export class SuppressionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /**
   * Adds (or updates) entries, one script per chunk (the change and the list's version move together); returns how
   * many numbers were not on the list before.
   */
  async add(entries: ReadonlyArray<Suppression>, opts: { keepListed?: boolean; tenant?: string } = {}): Promise<number> {
    let added = 0;
    for (let j = 0; j < entries.length; j += SCRIPT_CHUNK) {
      const pairs: string[] = [];
      for (const e of entries.slice(j, j + SCRIPT_CHUNK)) pairs.push(e.number, encode(e));
      added += await this.change(opts.keepListed ? 'add-new' : 'add', pairs, opts.tenant);
    }
    return added;
  }

  /**
   * Removes numbers; returns how many were on the list (and were taken off). With `onlySource`, only entries whose
   * source is that one are taken off: a tenant removes its own entries, never a STOP or another's.
   */
  async remove(numbers: ReadonlyArray<string>, opts: { onlySource?: string; tenant?: string } = {}): Promise<number> {
    let removed = 0;
    for (let j = 0; j < numbers.length; j += SCRIPT_CHUNK) {
      const chunk = numbers.slice(j, j + SCRIPT_CHUNK);
      removed += await (opts.onlySource === undefined
        ? this.change('remove', chunk, opts.tenant)
        : this.change('remove-own', [clean(opts.onlySource, MAX_SOURCE), ...chunk], opts.tenant));
    }
    return removed;
  }

  /** The key prefix of a list's buckets: the shared list's, or a tenant's own (keys.tenantSuppression). */
  private listPrefix(tenant: string | undefined): string {
    return tenant === undefined ? this.keys.prefix : `${this.keys.prefix}:t:${tenant}`;
  }

  private change(op: 'add' | 'add-new' | 'remove' | 'remove-own', args: string[], tenant?: string): Promise<number> {
    if (args.length === (op === 'remove-own' ? 1 : 0)) return Promise.resolve(0);
    return runScript(this.redis, CHANGE_SUPPRESSIONS, listVersionKeys(this.keys), [
      this.listPrefix(tenant),
      op,
      String(SUPPRESSION_LOG_BOUND),
      ...args,
    ]);
  }

  /** The number's entry on the shared list, else on `tenant`'s own list (when given), or null. */
  async check(number: string, tenant?: string): Promise<Suppression | null> {
    const b = numberBucket(number);
    const raw =
      (await this.redis.hget(this.keys.suppression(b), number)) ??
      (tenant === undefined ? null : await this.redis.hget(this.keys.tenantSuppression(tenant, b), number));
    return raw === null ? null : decode(number, raw);
  }

  /** Every entry of one list (the shared one, or `tenant`'s own), bucket by bucket: bounded memory for any list. */
  async *list(tenant?: string): AsyncGenerator<Suppression> {
    for (let b = 0; b < BUCKETS; b++) {
      const key = tenant === undefined ? this.keys.suppression(bucketName(b)) : this.keys.tenantSuppression(tenant, bucketName(b));
      let cursor = '0';
      do {
        const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', 500);
        cursor = next;
        for (let i = 0; i < flat.length; i += 2) yield decode(flat[i], flat[i + 1]);
      } while (cursor !== '0');
    }
  }

  /** Numbers on the shared list: one HLEN per bucket, pipelined. */
  async count(): Promise<number> {
    let total = 0;
    for (let b = 0; b < BUCKETS; b += 1_000) {
      const p = this.redis.pipeline();
      for (let j = b; j < b + 1_000; j++) p.hlen(this.keys.suppression(bucketName(j)));
      for (const [err, n] of (await p.exec()) ?? []) {
        if (err) throw err;
        total += Number(n);
      }
    }
    return total;
  }

  /**
   * Of these numbers, the ones on the list (for counting them up front in enqueue and preview). One script call for
   * the lot: a pipeline of a command per number costs the producer far more memory and CPU for a million.
   */
  async which(numbers: ReadonlyArray<string>, tenant?: string): Promise<Set<string>> {
    if (numbers.length === 0) return new Set();
    // A key is named only to route the call: on a Redis Cluster a script without one may run on any node.
    const among = (prefix: string) => runScript(this.redis, SUPPRESSED_AMONG, [this.keys.suppression('0000')], [prefix, ...numbers]);
    const found = new Set(await among(this.keys.prefix));
    if (tenant !== undefined) for (const n of await among(this.listPrefix(tenant))) found.add(n);
    return found;
  }

  /**
   * The list's version, then which of these numbers are on it: what a batch's staging records (see list-version.ts).
   * The version is read first, so that any change the look-up misses is one logged after it. An empty list is not
   * looked at.
   */
  async listedAmong(numbers: ReadonlyArray<string>, tenant?: string): Promise<{ version: number; listed: Set<string> }> {
    const [version, count] = await runScript(
      this.redis,
      SUPPRESSION_STATE,
      [this.keys.suppressionVersion(), this.keys.suppressionCount()],
      [this.keys.prefix],
    );
    return { version, listed: count === 0 ? new Set() : await this.which(numbers, tenant) };
  }
}

/**
 * The tenant whose own list binds a campaign besides the shared one: its tenant when SMS_SUPPRESSION_SCOPE=tenant,
 * else none (one list for everyone).
 */
export function suppressionTenant(config: { readonly optOut: OptOutConfig }, campaignId: string): string | undefined {
  return config.optOut.suppressionScope === 'tenant' ? ownerOf(campaignId).tenant : undefined;
}

/** Of these numbers, the ones on the suppression list (scripts/suppressed-among.lua). */
const SUPPRESSED_AMONG = lua<[routing: string], [prefix: string, ...numbers: string[]], string[]>('suppressed-among');

/** A reason or source as stored: no `|` (the separator), cut to its maximum. */
const clean = (s: string, max: number) => s.replace(/\|/g, '/').slice(0, max);

/** `reason|source|ms`; BEGIN_CALL reads the reason as everything before the first `|`. */
export function encode(e: Suppression): string {
  return `${clean(e.reason, MAX_REASON)}|${clean(e.source, MAX_SOURCE)}|${e.at}`;
}

/** An entry whose time is no date (corrupt, or written by hand) reads as added at 0, so that a list of it never fails. */
function decode(number: string, raw: string): Suppression {
  const [reason, source, at] = raw.split('|');
  return { number, reason, source: source ?? '', at: storedTime(at) ?? 0 };
}

/** An entry as the API and `smsq suppress list` show it: the time as ISO 8601. */
export interface SuppressionJson {
  number: string;
  reason: string;
  source: string;
  addedAt: string;
}

export function suppressionJson(e: Suppression): SuppressionJson {
  return { number: e.number, reason: e.reason, source: e.source, addedAt: new Date(e.at).toISOString() };
}

export const SUPPRESSION_CSV_HEADER = 'number,reason,source,addedAt';

export function suppressionCsvLine(e: Suppression): string {
  return `${csvNumberCell(e.number)},${csvCell(e.reason)},${csvCell(e.source)},${new Date(e.at).toISOString()}`;
}
