import type { ChainableCommander } from 'ioredis';
import type { Keys } from '../keys';
import type { RedisClient } from '../redis';
import { bucketOf, normalizeMsgId } from './msgid';

/** Where a msgId's recipient is: enough to find its orderId (batch record) and to check a report's number. */
export interface MsgLocation {
  campaignId: string;
  batch: number;
  index: number;
  number: string;
  /** When the send's outcome was recorded (ms): the poller's and the report latency's starting point. */
  sentAt: number;
}

export interface IndexEntry extends MsgLocation {
  msgId: string;
}

/**
 * Buckets per generation. A batch's 1000 msgIds land in at most this many hashes (one HSET each), and no hash
 * grows so large that its expiry would block Redis: 10 million msgIds make 78,000 fields per bucket.
 */
const BUCKETS = 128;

/**
 * msgId → recipient, O(1) per lookup. Entries are written in generations as long as the retention: an entry
 * written in generation g sits in hashes that expire at the end of generation g+1, so it lives at least as long
 * as the results it points to and at most twice that, and whole hashes expire without any cleanup job.
 */
export class MsgIdIndex {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly retentionMs: number,
  ) {}

  /** Queues the writes on `p`; the caller executes it. */
  write(p: ChainableCommander, entries: IndexEntry[], now: number): void {
    const generation = Math.floor(now / this.retentionMs);
    const byBucket = new Map<number, string[]>();
    for (const e of entries) {
      const id = normalizeMsgId(e.msgId);
      const b = bucketOf(id, BUCKETS);
      const fields = byBucket.get(b) ?? [];
      fields.push(id, [e.campaignId, e.batch, e.index, e.number, e.sentAt].join('\t'));
      byBucket.set(b, fields);
    }
    for (const [b, fields] of byBucket) {
      const key = this.keys.msgIndex(generation, b);
      p.hset(key, ...fields);
      p.pexpireat(key, (generation + 2) * this.retentionMs);
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
    return msgIds.map((_, i) => {
      const [errA, current] = replies[2 * i];
      const [errB, previous] = replies[2 * i + 1];
      if (errA) throw errA;
      if (errB) throw errB;
      const value = (current ?? previous) as string | null;
      return value ? parseLocation(value) : null;
    });
  }
}

function parseLocation(value: string): MsgLocation {
  const [campaignId, batch, index, number, sentAt] = value.split('\t');
  return { campaignId, batch: Number(batch), index: Number(index), number, sentAt: Number(sentAt) };
}
