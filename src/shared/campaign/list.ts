/**
 * The list of campaigns: a sorted set of campaign ids scored by createdAt, written with the campaign hash at
 * commit. It expires with the campaigns without a cleanup job: an entry whose hash has expired is dropped when a
 * listing meets it, and every commit drops entries older than INDEX_MAX_AGE_RETENTIONS retention periods (a
 * campaign that old has long finished and expired) and sets the set's own TTL to that age, so an idle index goes too.
 */
import type { Keys } from '../redis/keys';
import type { RedisClient } from '../redis/connection';

/** Entries live at most this many result retentions (RESULT_RETENTION_SECONDS) after their campaign's creation. */
export const INDEX_MAX_AGE_RETENTIONS = 4;

export interface IndexEntry {
  campaignId: string;
  createdAt: number;
}

/** Where a page ended: the last entry returned, so that the next page starts just after it. */
export interface IndexPosition {
  createdAt: number;
  campaignId: string;
}

export class CampaignIndex {
  private readonly maxAgeMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    retentionSeconds: number,
  ) {
    this.maxAgeMs = retentionSeconds * 1000 * INDEX_MAX_AGE_RETENTIONS;
  }

  /** Adds a committed campaign, trims entries past the index's age and renews its TTL: one round trip. */
  async add(campaignId: string, createdAt: number): Promise<void> {
    const key = this.keys.campaignIndex();
    await this.redis
      .multi()
      .zadd(key, createdAt, campaignId)
      .zremrangebyscore(key, '-inf', `(${createdAt - this.maxAgeMs}`)
      .pexpire(key, this.maxAgeMs)
      .exec();
  }

  async remove(campaignIds: string[]): Promise<void> {
    if (campaignIds.length > 0) await this.redis.zrem(this.keys.campaignIndex(), ...campaignIds);
  }

  /**
   * Up to `count` entries, newest first, created at or after `since`, strictly after `after` in that order
   * (createdAt descending, then id descending, which is how ZREVRANGEBYSCORE orders equal scores).
   */
  async page(count: number, since: number, after?: IndexPosition): Promise<IndexEntry[]> {
    const key = this.keys.campaignIndex();
    const max = after ? String(after.createdAt) : '+inf';
    const found: IndexEntry[] = [];
    // Entries with the cursor's own score are read again and skipped up to the cursor: ties are rare and few.
    for (let offset = 0; found.length < count;) {
      const want = count - found.length + (after ? 16 : 0);
      const reply = await this.redis.zrevrangebyscore(key, max, since, 'WITHSCORES', 'LIMIT', offset, want);
      if (reply.length === 0) break;
      for (let i = 0; i < reply.length; i += 2) {
        const e = { campaignId: reply[i], createdAt: Number(reply[i + 1]) };
        if (after && e.createdAt === after.createdAt && e.campaignId >= after.campaignId) continue;
        if (found.length < count) found.push(e);
      }
      offset += reply.length / 2;
      if (reply.length / 2 < want) break;
    }
    return found;
  }
}
