/**
 * `link.clicked` webhook events. FOLLOW_LINK queues each click of a campaign whose events go to a webhook on one list
 * (keys.clickEvents()); `smsq server` drains it here about once a second into one event per campaign per round, so
 * that a receiver gets a campaign's clicks by the hundred rather than one call each. Several servers may drain the
 * one list: LPOP hands each click to one of them.
 */
import type { Context } from '../context';
import { decodeRecipients } from '../recipient/codec';
import type { Recipient } from '../types';
import type { ClickItem } from '../webhooks/events';
import { MAX_URL_LENGTH } from './link-text';

/** Clicks taken per round, so the most one event carries: about the size of a batch's recipients.settled. */
const CLICKS_PER_ROUND = 1_000;
/**
 * An event's clicks' URLs together stay under this many characters (a URL may be up to 2,000): a thousand clicks
 * on long links become a few events of a size a receiver takes, not one of 2 MB.
 */
const EVENT_URL_CHARS = 256 * 1024;
/** A round starts this long after the last ended: a click is queued for its receiver within about a second. */
const ROUND_EVERY_MS = 1_000;
/** After a Redis error or a failed emit: a Redis in trouble is not asked again at once, and a click waits seconds. */
const BACKOFF_MS = 5_000;
/** close() waits this long at most for a round in progress (a round is a few round trips; Redis may hang). */
const CLOSE_WAIT_MS = 5_000;

/** One queued click as FOLLOW_LINK writes it: `<campaignId>\t<batch>\t<index>\t<at ms>\t<first 1|0>\t<url>`. */
interface QueuedClick {
  campaignId: string;
  batch: number;
  index: number;
  at: number;
  firstClick: boolean;
  url: string;
}

const QUEUED_CLICK = /^([^\t]{1,200})\t(\d{1,9})\t(\d{1,9})\t(\d{1,15})\t([01])\t([^\t]+)$/;

/** A queued click, or null for a line that is not one (its URL longer than any link tracked included). */
function parseQueuedClick(line: string): QueuedClick | null {
  const m = QUEUED_CLICK.exec(line);
  if (!m || m[6].length > MAX_URL_LENGTH) return null;
  return { campaignId: m[1], batch: Number(m[2]), index: Number(m[3]), at: Number(m[4]), firstClick: m[5] === '1', url: m[6] };
}

/** A campaign's clicks of one round: as read, and the lines they came from (given back if its event cannot be made). */
interface CampaignClicks {
  clicks: QueuedClick[];
  lines: string[];
}

/** What a round did: whether it took a full round's clicks (more may wait), and whether anything failed. */
type RoundEnd = 'full' | 'done' | 'failed';

/**
 * Drains the clicks waiting for their `link.clicked` events: every second (the next round starts only after the last
 * ended) it takes up to CLICKS_PER_ROUND of them, finds each one's recipient (each distinct batch read once), and
 * emits one event per campaign. A line that does not parse, or whose batch is gone, is dropped and counted in a log
 * line. A Redis error or an emit that throws gives the clicks back to the head of the list, in order, and the next
 * round waits BACKOFF_MS; clicks that cannot even be given back are kept here and go first in the next round.
 */
export class ClickEventDrainer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** Clicks a failed round could not give back to Redis: the next round takes them first. */
  private held: string[] = [];

  constructor(private readonly ctx: Pick<Context, 'redis' | 'keys' | 'webhooks' | 'log'>) {}

  start(): this {
    this.schedule(ROUND_EVERY_MS);
    return this;
  }

  /** Stops the rounds, waits for one in progress (up to CLOSE_WAIT_MS) and gives back clicks still held. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.running) {
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([this.running, new Promise((resolve) => (wait = setTimeout(resolve, CLOSE_WAIT_MS).unref()))]);
      clearTimeout(wait);
    }
    const held = this.held.splice(0);
    if (held.length > 0 && !(await this.giveBack(held)))
      this.ctx.log.error({ clicks: held.length }, 'link.clicked: clicks lost at shutdown: Redis did not take them back');
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.round().then(
        (end) => this.schedule(end === 'full' ? 0 : end === 'failed' ? BACKOFF_MS : ROUND_EVERY_MS),
        (err: unknown) => {
          // round() catches what it expects; anything else must not stop the rounds either.
          this.ctx.log.warn({ err }, 'link.clicked: round failed');
          this.schedule(BACKOFF_MS);
        },
      );
    }, ms).unref();
  }

  /** One round: takes clicks (held ones first), emits their events, gives back those whose event was not made. */
  private async round(): Promise<RoundEnd> {
    const held = this.held.splice(0);
    let popped: string[] = [];
    try {
      if (held.length < CLICKS_PER_ROUND)
        popped = (await this.ctx.redis.lpop(this.ctx.keys.clickEvents(), CLICKS_PER_ROUND - held.length)) ?? [];
    } catch (err) {
      this.held = held;
      this.ctx.log.warn({ err }, `link.clicked: Redis refused; trying again in ${BACKOFF_MS / 1000} s`);
      return 'failed';
    }
    const lines = held.concat(popped);
    if (lines.length === 0) return 'done';
    const unsent = await this.emitAll(lines);
    if (unsent.length > 0) {
      if (!(await this.giveBack(unsent))) {
        this.held = unsent;
        this.ctx.log.warn({ clicks: unsent.length }, 'link.clicked: clicks not given back to Redis; kept for the next round');
      }
      return 'failed';
    }
    return popped.length + held.length === CLICKS_PER_ROUND ? 'full' : 'done';
  }

  /** Emits one event per campaign of these lines; returns the lines of campaigns whose event was not made. */
  private async emitAll(lines: string[]): Promise<string[]> {
    const byCampaign = new Map<string, CampaignClicks>();
    let unreadable = 0;
    for (const line of lines) {
      const click = parseQueuedClick(line);
      if (!click) {
        unreadable++;
        continue;
      }
      const group = byCampaign.get(click.campaignId) ?? { clicks: [], lines: [] };
      group.clicks.push(click);
      group.lines.push(line);
      byCampaign.set(click.campaignId, group);
    }
    let recipients: Map<string, Recipient[] | null>;
    try {
      recipients = await this.recipientsOf(byCampaign);
    } catch (err) {
      this.ctx.log.warn({ err }, `link.clicked: Redis refused; trying again in ${BACKOFF_MS / 1000} s`);
      return [...byCampaign.values()].flatMap((g) => g.lines);
    }
    const unsent: string[] = [];
    let batchGone = 0;
    let failed: unknown;
    for (const [campaignId, group] of byCampaign) {
      const clicks: ClickItem[] = [];
      let last = 0;
      for (const c of group.clicks) {
        const r = recipients.get(batchKey(c))?.[c.index];
        if (!r) {
          batchGone++;
          continue;
        }
        clicks.push({
          orderId: r.orderId,
          number: r.number,
          url: c.url,
          clickedAt: new Date(c.at).toISOString(),
          firstClick: c.firstClick,
        });
        last = Math.max(last, c.at);
      }
      if (clicks.length === 0) continue;
      try {
        for (const part of bySize(clicks)) await this.ctx.webhooks.emit(campaignId, 'link.clicked', { clicks: part }, last);
      } catch (err) {
        // Parts already made go again with the rest: a receiver drops repeats by click, as docs/webhooks.md says.
        failed = err;
        unsent.push(...group.lines);
      }
    }
    if (unreadable > 0 || batchGone > 0)
      this.ctx.log.warn({ unreadable, batchGone }, 'link.clicked: clicks dropped: unreadable, or their batch is gone');
    if (failed !== undefined)
      this.ctx.log.warn({ err: failed, clicks: unsent.length }, `link.clicked: events not created; trying again in ${BACKOFF_MS / 1000} s`);
    return unsent;
  }

  /** The recipients of each distinct batch these clicks name (null: the batch is gone), in one round trip. */
  private async recipientsOf(byCampaign: ReadonlyMap<string, CampaignClicks>): Promise<Map<string, Recipient[] | null>> {
    const batches = new Map<string, QueuedClick>();
    for (const group of byCampaign.values()) for (const c of group.clicks) if (!batches.has(batchKey(c))) batches.set(batchKey(c), c);
    const p = this.ctx.redis.pipeline();
    for (const c of batches.values()) p.hget(this.ctx.keys.batch(c.campaignId, c.batch), 'r');
    const replies = (await p.exec()) ?? [];
    const out = new Map<string, Recipient[] | null>();
    [...batches.keys()].forEach((key, i) => {
      const [err, r] = replies[i] ?? [new Error('no reply')];
      if (err) throw err;
      out.set(key, typeof r === 'string' ? decodeRecipients(r) : null);
    });
    return out;
  }

  /** Puts clicks back at the head of the list in their order (they are the oldest); false when Redis refused. */
  private async giveBack(lines: string[]): Promise<boolean> {
    try {
      await this.ctx.redis.lpush(this.ctx.keys.clickEvents(), ...lines.slice().reverse());
      return true;
    } catch {
      return false;
    }
  }
}

/** Clicks cut into events whose URLs stay under EVENT_URL_CHARS together (each event holds at least one click). */
function bySize(clicks: ClickItem[]): ClickItem[][] {
  const parts: ClickItem[][] = [[]];
  let chars = 0;
  for (const c of clicks) {
    if (chars + c.url.length > EVENT_URL_CHARS && parts[parts.length - 1].length > 0) {
      parts.push([]);
      chars = 0;
    }
    parts[parts.length - 1].push(c);
    chars += c.url.length;
  }
  return parts;
}

function batchKey(c: Pick<QueuedClick, 'campaignId' | 'batch'>): string {
  return `${c.campaignId}\t${c.batch}`;
}
