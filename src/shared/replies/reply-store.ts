import { createHash } from 'node:crypto';
import { storedTime } from '../time/stored-time';
import type { RepliesConfig } from '../config';
import type { MoRecord } from '../gateway/parse-mo';
import { numberBucket, type Keys } from '../redis/keys';
import { runScript } from '../redis/lua';
import { countReply } from '../metrics';
import { encode as encodeSuppression } from '../opt-out/suppression-store';
import { listVersionKeys, SUPPRESSION_LOG_BOUND } from '../opt-out/list-version';
import { normalizeNumber } from '../recipient/phone-number';
import type { RedisClient } from '../redis/connection';
import { keywordMatcher, type ReplyKeyword } from '../opt-out/keywords';
import { RECORD_REPLY, type ListChange } from './scripts';

/** Where a reply came from: the gateway's push to POST /v1/replies/:token, or the recordMo poller. */
export type ReplySource = 'push' | 'poll';

/** What became of one reply: stored as a plain reply, stored as a STOP or a START, or dropped as a copy. */
export type ReplyResult = 'stored' | 'stop' | 'start' | 'duplicate';

export interface RecordedReply {
  number: string;
  result: ReplyResult;
  /** The campaign that last sent to the number, when the contact history knows it. */
  campaignId?: string;
  listChange?: ListChange;
}

/** One stored reply, as `smsq replies` and GET /v1/replies give it. */
export interface StoredReply {
  /** The stream entry's id: unique, and in the order replies were stored. */
  id: string;
  /** Normalised as recipients are (digits only), or as the gateway wrote it when that is not a phone number. */
  number: string;
  content: string;
  /** When the gateway received the reply, ISO 8601 (when it gave no time: when smsq stored it). */
  receivedAt: string;
  /** The senderId replied to. */
  sendId: string;
  /** The campaign that last sent to this number before the reply came; absent: unattributed. */
  campaignId?: string;
  source: ReplySource;
  keyword?: ReplyKeyword;
  listChange?: ListChange;
  mcc?: string;
  mnc?: string;
  operator?: string;
  pay?: string;
  currency?: string;
}

export interface ReplyFilter {
  campaignId?: string;
  /** Replies the gateway received at or after this time (ms since the epoch). */
  since?: number;
}

/** Replies are stored after the gateway received them, but clocks differ: listing `since` starts this much earlier. */
const CLOCK_MARGIN_MS = 86_400_000;
/** Stream entries read per XRANGE while listing. */
const READ_COUNT = 1_000;

/**
 * Every reply received, in one Redis stream trimmed to REPLIES_MAX_KEPT: deduplicated, attributed to the campaign
 * that last sent to its number (contact history), and acted on when it is an opt-out keyword (see opt-out/keywords.ts).
 */
export class ReplyStore {
  private readonly match: (content: string) => ReplyKeyword | null;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly config: RepliesConfig,
    private readonly now: () => number = Date.now,
    /** SMS_SUPPRESSION_SCOPE=tenant: a STOP or START to a tenant's campaign changes the tenant's own list. */
    private readonly tenantLists = false,
  ) {
    this.match = keywordMatcher(config);
  }

  /** Records replies one by one, oldest first, so that a STOP followed by a START in one page ends as a START. */
  async record(records: ReadonlyArray<MoRecord>, source: ReplySource): Promise<RecordedReply[]> {
    const ordered = [...records].sort((a, b) => (a.receiveTime ?? Infinity) - (b.receiveTime ?? Infinity));
    const out: RecordedReply[] = [];
    for (const r of ordered) out.push(await this.recordOne(r, source));
    return out;
  }

  private async recordOne(r: MoRecord, source: ReplySource): Promise<RecordedReply> {
    const now = this.now();
    const normalized = normalizeNumber(r.number);
    const number = normalized.ok ? normalized.number : r.number;
    // A reply from something that is not a phone number (a short code, a name) is kept, but changes no list entry.
    const keyword = normalized.ok ? this.match(r.content) : null;
    // A copy without a time can only be told from a new reply by arriving within the same minute.
    const time = r.receiveTime ?? Math.floor(now / 60_000) * 60_000;
    const hash = createHash('sha1').update(`${number}\n${time}\n${r.content}`).digest('hex');
    const fields = [
      'n',
      number,
      'c',
      r.content,
      't',
      String(r.receiveTime ?? now),
      's',
      r.sendId,
      'src',
      source,
      'k',
      keyword ?? '',
      'mcc',
      r.mcc,
      'mnc',
      r.mnc,
      'op',
      r.operator,
      'pay',
      r.pay ?? '',
      'cur',
      r.currency ?? '',
    ];
    const answer = await runScript(
      this.redis,
      RECORD_REPLY,
      [
        this.keys.replySeen(hash),
        this.keys.contacts(numberBucket(number)),
        this.keys.campaignRefs(),
        this.keys.replies(),
        this.keys.suppression(numberBucket(number)),
        ...listVersionKeys(this.keys),
      ],
      [
        number,
        String(this.config.dedupSeconds),
        String(this.config.maxKept),
        keyword ?? '',
        encodeSuppression({ number, reason: 'stop-reply', source: 'reply', at: now }),
        String(SUPPRESSION_LOG_BOUND),
        this.tenantLists ? this.keys.prefix : '',
        ...fields,
      ],
    );
    if (answer[0] === 'duplicate') {
      countReply(source, 'duplicate');
      return { number, result: 'duplicate' };
    }
    const result: ReplyResult = keyword ?? 'stored';
    countReply(source, result);
    return { number, result, ...(answer[2] ? { campaignId: answer[2] } : {}), ...(answer[3] ? { listChange: answer[3] } : {}) };
  }

  /**
   * Replies from `number` attributed to `campaignId`, oldest first, among the first `scanMax` stored from `since` on
   * (ms): one recipient's replies read with a bound. `complete` is false when more were stored than were read.
   */
  async fromNumber(
    number: string,
    campaignId: string,
    since: number,
    scanMax: number,
  ): Promise<{ replies: StoredReply[]; complete: boolean }> {
    const entries = await this.redis.xrange(this.keys.replies(), String(Math.max(0, since)), '+', 'COUNT', scanMax);
    const replies: StoredReply[] = [];
    for (const [id, flat] of entries) {
      const reply = decode(id, flat);
      if (reply.number === number && reply.campaignId === campaignId) replies.push(reply);
    }
    return { replies, complete: entries.length < scanMax };
  }

  /** Stored replies, oldest first, read in pieces: bounded memory for any number of replies. */
  async *list(filter: ReplyFilter = {}): AsyncGenerator<StoredReply> {
    let start = filter.since === undefined ? '-' : String(Math.max(0, filter.since - CLOCK_MARGIN_MS));
    for (;;) {
      const entries = await this.redis.xrange(this.keys.replies(), start, '+', 'COUNT', READ_COUNT);
      for (const [id, flat] of entries) {
        const reply = decode(id, flat);
        if (filter.campaignId !== undefined && reply.campaignId !== filter.campaignId) continue;
        if (filter.since !== undefined && Date.parse(reply.receivedAt) < filter.since) continue;
        yield reply;
      }
      if (entries.length < READ_COUNT) return;
      start = `(${entries[entries.length - 1][0]}`;
    }
  }
}

/** A stream entry's flat field list → a StoredReply; empty fields are left out. */
function decode(id: string, flat: string[]): StoredReply {
  const f: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) f[flat[i]] = flat[i + 1];
  const opt = (name: keyof StoredReply, v: string | undefined) => (v ? { [name]: v } : {});
  return {
    id,
    number: f.n ?? '',
    content: f.c ?? '',
    // The stream id's own time stands in for a stored time that is no date (written by hand, or corrupt).
    receivedAt: new Date(storedTime(f.t) ?? Number(id.split('-')[0])).toISOString(),
    sendId: f.s ?? '',
    ...opt('campaignId', f.campaignId),
    source: f.src === 'push' ? 'push' : 'poll',
    ...(opt('keyword', f.k) as { keyword?: ReplyKeyword }),
    ...(opt('listChange', f.change) as { listChange?: ListChange }),
    ...opt('mcc', f.mcc),
    ...opt('mnc', f.mnc),
    ...opt('operator', f.op),
    ...opt('pay', f.pay),
    ...opt('currency', f.cur),
  };
}
