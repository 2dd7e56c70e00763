import type { Keys } from '../keys';
import { runScript } from '../lua';
import type { RedisClient } from '../redis';
import { INDEX_ENTRIES } from './index-lua';
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
}

/**
 * Buckets per generation. A batch's 1000 msgIds land in at most this many hashes (one HSET each), and no hash
 * grows so large that its expiry would block Redis: 10 million msgIds make 78,000 fields per bucket.
 */
export const BUCKETS = 128;
export const NUMBER_TAIL = 4;

/** What a script that writes the index needs: its keys (batch table, awaiting set, buckets) and arguments. */
export interface IndexWrite {
  keys: string[];
  buckets: number;
  sentAt: number;
  firstAsk: number;
  expireAt: number;
}

/**
 * msgId → recipient, O(1) per lookup, at about 80 bytes a msgId. Each msgId's value is short —
 * `<batch ref>:<index>:<number tail>` in base 36 — and a batch reference resolves, in a small table of its
 * generation, to `<campaignId>\t<batch>\t<sentAt>`: a campaign id is stored once per batch, not once per message.
 * The index is written in Lua (index-lua.ts); this reads it, and tells the scripts where to write.
 *
 * Entries are written in generations as long as the retention: an entry written in generation g sits in hashes
 * that expire at the end of generation g+1, so it lives at least as long as the results it points to and at most
 * twice that, and whole hashes expire without any cleanup job.
 */
export class MsgIdIndex {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly retentionMs: number,
    private readonly pollAfterMs: number,
  ) {}

  /** Where a batch's sends at `now` are indexed, and when the poller first looks at them. */
  writeTarget(now: number): IndexWrite {
    const generation = Math.floor(now / this.retentionMs);
    const buckets = Array.from({ length: BUCKETS }, (_, b) => this.keys.msgIndex(generation, b));
    return {
      keys: [this.keys.msgIndex(generation, 'batches'), this.keys.awaitingReports(), ...buckets],
      buckets: BUCKETS,
      sentAt: now,
      firstAsk: now + this.pollAfterMs,
      expireAt: (generation + 2) * this.retentionMs,
    };
  }

  /** Indexes entries found outside a batch's own run (reconcile): one script call per batch. */
  async write(entries: IndexEntry[], now: number): Promise<void> {
    const target = this.writeTarget(now);
    for (const group of groupByBatch(entries).values()) {
      const { campaignId, batch } = group[0];
      const sentAt = Math.min(...group.map((e) => e.sentAt));
      const rows = group.map((e) => [e.msgId, e.index, e.number.slice(-NUMBER_TAIL)]);
      await runScript(this.redis, INDEX_ENTRIES, target.keys, [
        String(target.buckets), campaignId, String(batch), String(sentAt), String(target.firstAsk), String(target.expireAt), JSON.stringify(rows),
      ]);
    }
  }

  /** The location of each msgId, or null; looks in this generation and the one before. */
  async lookup(msgIds: string[], now: number = Date.now()): Promise<Array<MsgLocation | null>> {
    if (msgIds.length === 0) return [];
    const generation = Math.floor(now / this.retentionMs);
    const p = this.redis.pipeline();
    for (const m of msgIds) {
      const id = normalizeMsgId(m);
      const b = bucketOf(id, BUCKETS);
      p.hget(this.keys.msgIndex(generation, b), id);
      p.hget(this.keys.msgIndex(generation - 1, b), id);
    }
    const replies = (await p.exec()) ?? [];
    const hits = msgIds.map((_, i) => {
      for (const [g, [err, value]] of [[generation, replies[2 * i]], [generation - 1, replies[2 * i + 1]]] as const) {
        if (err) throw err;
        if (value) return { generation: g, value: value as string };
      }
      return null;
    });
    // Second round trip: the batch references of the hits.
    const q = this.redis.pipeline();
    const asked: number[] = [];
    hits.forEach((h, i) => {
      if (!h) return;
      q.hget(this.keys.msgIndex(h.generation, 'batches'), h.value.split(':')[0]);
      asked.push(i);
    });
    const refs = asked.length > 0 ? ((await q.exec()) ?? []) : [];
    const out: Array<MsgLocation | null> = msgIds.map(() => null);
    asked.forEach((i, j) => {
      const [err, batchRef] = refs[j];
      if (err) throw err;
      if (!batchRef) return;
      const [campaignId, batch, sentAt] = (batchRef as string).split('\t');
      const [, index, numberTail] = hits[i]!.value.split(':');
      out[i] = { campaignId, batch: Number(batch), index: parseInt(index, 36), numberTail, sentAt: Number(sentAt) };
    });
    return out;
  }
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
