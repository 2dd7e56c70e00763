/**
 * Tracked links in Redis: each short link's code → its campaign, batch, recipient and original URL, written by the
 * worker just before the call whose texts carry them, and read by `smsq server` when someone follows one.
 *
 * Codes are stored in generations as long as the retention, in 62 buckets each (a code's first character), like
 * the msgId index: a code written in generation g lives in hashes that expire at the end of generation g+1, and a
 * lookup reads both g and g-1 in one script. Whether a link still works is its campaign's to say, though: a code
 * whose campaign's results have expired answers as unknown, so a link lives exactly as long as its results.
 */
import { lua, runScript } from '../redis/lua';
import type { RedisClient } from '../redis/connection';
import type { Keys } from '../redis/keys';
import { CODE_LENGTH, newCode } from './link-text';

/** One link to store: its code, and what it points to. */
export interface LinkEntry {
  code: string;
  batch: number;
  index: number;
  url: string;
}

/** How a visit is counted: a person's click, a link-preview robot's fetch, or a HEAD request. */
export type VisitKind = 'click' | 'robot' | 'head';

/** A followed link: where it goes, and whether this was its recipient's first click. */
export interface Followed {
  url: string;
  firstClick: boolean;
  /** Queued clicks dropped from a full `link.clicked` list to make room for this one's (0 but when the list is full). */
  eventsDropped: number;
}

/** A recipient's clicks on its links: how many, and when the first was (ms). */
export interface RecipientClicks {
  clicks: number;
  firstClickAt: number;
}

const STORE_LINKS = lua<string[], [expireAt: string, ...pairs: string[]], number[]>('store-links');
const FOLLOW_LINK = lua<
  [current: string, previous: string, events: string],
  [prefix: string, code: string, kind: VisitKind, now: string, retentionMs: string, maxQueued: string],
  [url: string, first: number, dropped: number] | null
>('follow-link');

/** A code drawn again this many times and still taken means something is wrong (a broken random source), not bad luck. */
const MAX_DRAWS = 5;

export class LinkStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly retentionMs: number,
    /** Clicks the webhook events list may hold (WEBHOOK_MAX_QUEUED). */
    private readonly maxQueuedEvents: number,
  ) {}

  /**
   * Stores these links under fresh codes (one round trip, and another in the rare case a code was taken) and
   * returns the codes, in the entries' order. `webhooks`: the campaign's events go to a webhook, so its clicks
   * are queued for `link.clicked`.
   */
  async store(campaignId: string, entries: ReadonlyArray<Omit<LinkEntry, 'code'>>, webhooks: boolean, now = Date.now()): Promise<string[]> {
    const codes = entries.map(() => newCode());
    let todo = entries.map((_, j) => j);
    for (let draw = 0; todo.length > 0; draw++) {
      if (draw === MAX_DRAWS) throw new Error(`tracked links: ${todo.length} code(s) still taken after ${MAX_DRAWS} draws`);
      const generation = Math.floor(now / this.retentionMs);
      const keys: string[] = [];
      const args: string[] = [String((generation + 2) * this.retentionMs)];
      for (const j of todo) {
        const code = codes[j];
        const e = entries[j];
        keys.push(this.bucket(generation, code), this.bucket(generation - 1, code));
        args.push(code, `${campaignId}\t${e.batch}\t${e.index}\t${webhooks ? 'w' : ''}\t${e.url}`);
      }
      const taken = await runScript(this.redis, STORE_LINKS, keys, args as [string, ...string[]]);
      todo = taken.map((position) => todo[position - 1]);
      for (const j of todo) codes[j] = newCode();
    }
    return codes;
  }

  /** Follows `code`: its URL and the visit counted, or null for a code that is unknown or whose campaign is gone. */
  async follow(code: string, kind: VisitKind, now = Date.now()): Promise<Followed | null> {
    if (code.length !== CODE_LENGTH) return null;
    const generation = Math.floor(now / this.retentionMs);
    const reply = await runScript(
      this.redis,
      FOLLOW_LINK,
      [this.bucket(generation, code), this.bucket(generation - 1, code), this.keys.clickEvents()],
      [this.keys.prefix, code, kind, String(now), String(this.retentionMs), String(this.maxQueuedEvents)],
    );
    if (!reply) return null;
    return { url: reply[0], firstClick: reply[1] === 1, eventsDropped: reply[2] };
  }

  /** A batch's clicks by recipient index; a record that does not parse is left out, never breaking the results. */
  async batchClicks(campaignId: string, batch: number): Promise<Map<number, RecipientClicks>> {
    const raw = await this.redis.hgetall(this.keys.batchClicks(campaignId, batch));
    const out = new Map<number, RecipientClicks>();
    for (const [field, value] of Object.entries(raw)) {
      const m = /^(\d{1,9}),(\d{1,15})$/.exec(value);
      const index = Number(field);
      if (m && Number.isInteger(index)) out.set(index, { clicks: Number(m[1]), firstClickAt: Number(m[2]) });
    }
    return out;
  }

  /** A campaign's clicks per minute, oldest first: `{at}` the minute's start (ms), its clicks and first clicks. */
  async clicksPerMinute(campaignId: string): Promise<Array<{ at: number; clicks: number; firstClicks: number }>> {
    const raw = await this.redis.hgetall(this.keys.campaignClicks(campaignId));
    const minutes = new Map<number, { clicks: number; firstClicks: number }>();
    for (const [field, value] of Object.entries(raw)) {
      const m = /^(\d{1,12})(f?)$/.exec(field);
      const n = Number(value);
      if (!m || !Number.isSafeInteger(n) || n < 0) continue;
      const minute = Number(m[1]);
      const row = minutes.get(minute) ?? { clicks: 0, firstClicks: 0 };
      if (m[2]) row.firstClicks = n;
      else row.clicks = n;
      minutes.set(minute, row);
    }
    return [...minutes.entries()].sort((a, b) => a[0] - b[0]).map(([minute, row]) => ({ at: minute * 60_000, ...row }));
  }

  private bucket(generation: number, code: string): string {
    return this.keys.links(generation, code[0]);
  }
}
