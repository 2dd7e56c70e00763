import type { ChainableCommander } from 'ioredis';
import { accountOf } from '../accounts/outcome-account';
import { DEFAULT_ACCOUNT } from '../config';
import type { Keys } from '../redis/keys';
import type { RedisClient } from '../redis/connection';
import type { Recipient, StoredOutcome } from '../types';
import { bucketOf, normalizeMsgId } from './msgid';

/** Where a msgId's recipient is: its batch and index there (which give its orderId), and when it was sent. */
export interface MsgLocation {
  campaignId: string;
  batch: number;
  index: number;
  /** The number's last digits (NUMBER_TAIL of them): enough to refuse a report about another number. */
  numberTail: string;
  /** When the batch's sends were indexed (ms): the report latency's starting point. */
  sentAt: number;
}

/** What is indexed: one sent recipient. */
export interface IndexEntry {
  msgId: string;
  campaignId: string;
  batch: number;
  index: number;
  number: string;
  sentAt: number;
  /** The gateway account that gave the msgId; absent: `default`. */
  account?: string;
}

/**
 * Buckets per generation. A batch's 1000 msgIds land in at most this many hashes (one HSET each), and no hash
 * grows so large that its expiry would block Redis: 10 million msgIds make 78,000 fields per bucket.
 */
const BUCKETS = 128;
export const NUMBER_TAIL = 4;
const EXPIRY_REFRESH_MS = 60_000;
/** The field of each generation's batch table that allocates batch references. */
const SEQUENCE_FIELD = 'seq';
/**
 * Batch references a process takes from the sequence at once: one HINCRBY per this many indexed batches instead
 * of a round trip before every batch. A process that stops leaves a gap in the numbering, which costs nothing.
 */
const REF_BLOCK = 256;

/**
 * The writes that index one batch's sent msgIds under one batch reference, as values: END_CALL makes them in the
 * script that records the call's outcomes (src/shared/redis/scripts/end-call.lua).
 */
export interface IndexWrite {
  /** The generation's batch-reference table. */
  refsKey: string;
  /** The batch reference (base 36) the msgIds are indexed under, and its entry: `<campaignId>\t<batch>\t<sentAt>`. */
  ref: string;
  refEntry: string;
  /** When the generation's keys expire (ms). */
  expiresAt: number;
  /** Per bucket (of the sending account's index): its key, how many field-value pairs follow, '1' to set its expiry (else ''), then the pairs. */
  buckets: string[];
}

/**
 * msgId → recipient, O(1) per lookup, at about 70 bytes a msgId. Each msgId's value is short —
 * `<batch ref>:<index>:<number tail>` in base 36 — and a batch reference resolves, in a small table of its
 * generation, to `<campaignId>\t<batch>\t<sentAt>`: a campaign id is stored once per batch, not once per message.
 *
 * Entries are written in generations as long as the retention: an entry written in generation g sits in hashes
 * that expire at the end of generation g+1, so it lives at least as long as the results it points to and at most
 * twice that, and whole hashes expire without any cleanup job.
 *
 * A msgId is unique only within its gateway account: each account has buckets of its own (keys.msgIndex with the
 * account; the `default` account's are the ones it always had), and a lookup names the account whose msgIds are
 * asked about. The account is in the key rather than the field because a msgId may hold any character: no
 * separator could be sure not to appear in one. The batch table is shared.
 */
export class MsgIdIndex {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly retentionMs: number,
  ) {}

  /** When this process last set each bucket's expiry (ms): the same for a whole generation, so rarely needed. */
  private readonly expirySetAt = new Map<string, number>();
  private expiryGeneration = -1;
  /** This process's unused batch references: (next, end] of `generation`'s sequence. */
  private refs = { generation: -1, next: 0, end: 0 };

  /**
   * The writes that index a batch's sent recipients among `outcomes` (a call's), sent at `sentAt`, under one new
   * batch reference; null when none was sent. Every REF_BLOCK batches, one round trip first to take references.
   */
  async prepare(
    campaignId: string,
    batch: number,
    sentAt: number,
    recipients: readonly Recipient[],
    outcomes: ReadonlyMap<number, StoredOutcome>,
    now: number,
  ): Promise<IndexWrite | null> {
    if (!anySent(outcomes)) return null;
    const gen = this.generation(now);
    const ref = (await this.takeRefs(gen.refsKey, gen.generation, 1)) + 1;
    const r = ref.toString(36);
    const fields = new BucketFields();
    for (const [index, o] of outcomes) if (o[0] === 's') fields.add(accountOf(o), o[1], r, index, recipients[index].number);
    const buckets: string[] = [];
    for (const [key, pairs, expire] of this.bucketWrites(gen, fields, now))
      buckets.push(key, String(pairs.length / 2), expire ? '1' : '', ...pairs);
    return { refsKey: gen.refsKey, ref: r, refEntry: refEntry(campaignId, batch, sentAt), expiresAt: gen.expiresAt, buckets };
  }

  /**
   * Queues the index writes for `entries`, of any batches, on `p` (the caller executes it, with writes of its own):
   * settling's finds. Every REF_BLOCK batches, one round trip first to take batch references.
   */
  async write(p: ChainableCommander, entries: IndexEntry[], now: number): Promise<void> {
    if (entries.length === 0) return;
    const gen = this.generation(now);
    const batches = groupByBatch(entries);
    let ref = await this.takeRefs(gen.refsKey, gen.generation, batches.size);
    const refFields: string[] = [];
    const fields = new BucketFields();
    for (const group of batches.values()) {
      const r = (++ref).toString(36);
      const first = group[0];
      refFields.push(r, refEntry(first.campaignId, first.batch, Math.min(...group.map((e) => e.sentAt))));
      for (const e of group) fields.add(e.account, e.msgId, r, e.index, e.number);
    }
    p.hset(gen.refsKey, ...refFields);
    p.pexpireat(gen.refsKey, gen.expiresAt);
    for (const [key, pairs, expire] of this.bucketWrites(gen, fields, now)) {
      p.hset(key, ...pairs);
      if (expire) p.pexpireat(key, gen.expiresAt);
    }
  }

  /** The generation `now` falls in: its number, its batch-reference table, and when its keys expire. */
  private generation(now: number): Generation {
    const generation = Math.floor(now / this.retentionMs);
    if (generation !== this.expiryGeneration) {
      this.expirySetAt.clear();
      this.expiryGeneration = generation;
    }
    return { generation, refsKey: this.keys.msgIndex(generation, 'batches'), expiresAt: (generation + 2) * this.retentionMs };
  }

  /**
   * Each bucket's key and fields, and whether its expiry is to be set: the same for its whole generation, so set
   * again once a minute (in case a write of it failed, or the key was deleted), not on every batch.
   */
  private *bucketWrites(gen: Generation, fields: BucketFields, now: number): Generator<[key: string, pairs: string[], expire: boolean]> {
    for (const [account, byBucket] of fields.byAccount) {
      for (const [b, pairs] of byBucket) {
        const key = this.keys.msgIndex(gen.generation, b, account);
        const expire = now - (this.expirySetAt.get(key) ?? -Infinity) > EXPIRY_REFRESH_MS;
        if (expire) this.expirySetAt.set(key, now);
        yield [key, pairs, expire];
      }
    }
  }

  /** Takes `n` batch references of `generation`; returns the one before the first (they are ref+1 … ref+n). */
  private async takeRefs(refsKey: string, generation: number, n: number): Promise<number> {
    const r = this.refs;
    if (r.generation === generation && r.next + n <= r.end) {
      const before = r.next;
      r.next += n;
      return before;
    }
    const size = Math.max(n, REF_BLOCK);
    const end = await this.redis.hincrby(refsKey, SEQUENCE_FIELD, size);
    // Writes running meanwhile may have taken a block too: each uses its own, and the last one's rest is kept.
    this.refs = { generation, next: end - size + n, end };
    return end - size;
  }

  /** The location of each msgId `account` gave, or null; looks in this generation and the one before. */
  async lookup(msgIds: string[], account: string = DEFAULT_ACCOUNT, now: number = Date.now()): Promise<Array<MsgLocation | null>> {
    if (msgIds.length === 0) return [];
    const generation = Math.floor(now / this.retentionMs);
    const p = this.redis.pipeline();
    for (const m of msgIds) {
      const id = normalizeMsgId(m);
      const b = bucketOf(id, BUCKETS);
      p.hget(this.keys.msgIndex(generation, b, account), id);
      p.hget(this.keys.msgIndex(generation - 1, b, account), id);
    }
    const replies = (await p.exec()) ?? [];
    const hits = msgIds.map((_, i) => {
      for (const [g, [err, value]] of [
        [generation, replies[2 * i]],
        [generation - 1, replies[2 * i + 1]],
      ] as const) {
        if (err) throw err;
        if (value) return { generation: g, value: value as string };
      }
      return null;
    });
    // Second round trip: the batch references of the hits.
    const q = this.redis.pipeline();
    const asked: number[] = [];
    const askedValues: string[] = [];
    hits.forEach((h, i) => {
      if (!h) return;
      q.hget(this.keys.msgIndex(h.generation, 'batches'), h.value.split(':')[0]);
      asked.push(i);
      askedValues.push(h.value);
    });
    const refs = asked.length > 0 ? ((await q.exec()) ?? []) : [];
    const out: Array<MsgLocation | null> = msgIds.map(() => null);
    asked.forEach((i, j) => {
      const [err, batchRef] = refs[j];
      if (err) throw err;
      if (!batchRef) return;
      const [campaignId, batch, sentAt] = (batchRef as string).split('\t');
      const [, index, numberTail] = askedValues[j].split(':');
      out[i] = { campaignId, batch: Number(batch), index: parseInt(index, 36), numberTail, sentAt: Number(sentAt) };
    });
    return out;
  }
}

interface Generation {
  generation: number;
  refsKey: string;
  expiresAt: number;
}

/** An index's fields by account and bucket: normalised msgId → `<batch ref>:<index>:<number tail>` (base 36). */
class BucketFields {
  readonly byAccount = new Map<string, Map<number, string[]>>();

  /** `account`: the one that gave the msgId (undefined: `default`). */
  add(account: string | undefined, msgId: string, ref: string, index: number, number: string): void {
    const id = normalizeMsgId(msgId);
    const b = bucketOf(id, BUCKETS);
    const value = `${ref}:${index.toString(36)}:${number.slice(-NUMBER_TAIL)}`;
    const name = account ?? DEFAULT_ACCOUNT;
    let byBucket = this.byAccount.get(name);
    if (!byBucket) this.byAccount.set(name, (byBucket = new Map()));
    const fields = byBucket.get(b);
    if (fields) fields.push(id, value);
    else byBucket.set(b, [id, value]);
  }
}

/** A batch reference's entry in its generation's table. */
function refEntry(campaignId: string, batch: number, sentAt: number): string {
  return `${campaignId}\t${batch}\t${sentAt}`;
}

function anySent(outcomes: ReadonlyMap<number, StoredOutcome>): boolean {
  for (const o of outcomes.values()) if (o[0] === 's') return true;
  return false;
}

function groupByBatch(entries: IndexEntry[]): Map<string, IndexEntry[]> {
  const out = new Map<string, IndexEntry[]>();
  for (const e of entries) {
    const key = `${e.campaignId}\t${e.batch}`;
    const group = out.get(key);
    if (group) group.push(e);
    else out.set(key, [e]);
  }
  return out;
}
