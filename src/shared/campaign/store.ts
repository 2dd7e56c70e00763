import { ownerOf } from '../tenants/campaign-owner';
import { accountOf } from '../accounts/outcome-account';
import type { RedisClient } from '../redis/connection';
import type { Logger } from '../logger';
import { systemClock, type Clock } from '../time/clock';
import { parseOutcomes } from '../batch/store';
import type { Keys } from '../redis/keys';
import { decodeRecipients } from '../recipient/codec';
import { lua, runScript } from '../redis/lua';
import { formatMicros } from '../delivery/money';
import { deliverySummary, readStoredDelivery, withDelivery } from '../delivery/summary';
import { checkMove, fromStates, type Move } from './lifecycle';
import { parseCampaignRecord, UnreadableRecordError, type CampaignRecord } from './record';
import { settledCount } from '../batch/outcomes';
import { recipientVariant, variantName } from './variants';
import { renderStored } from '../text/template';
import { failedGates } from './canary';
import type { CampaignInfo, CampaignSchedule, CampaignState, PauseInfo, Recipient, RecipientResult, StoredOutcome } from '../types';

/**
 * Fields without which a campaign must not be sent: its schedule, send window and validity, and the accounts it
 * pins (without them it could go through an account it was kept from).
 */
const SENDING_FIELDS: ReadonlySet<string> = new Set(['sendAt', 'window', 'expireAt', 'accounts']);

/** Moves a campaign to a new state if it is in one of the allowed ones, with fields set in the same step. */
const TRANSITION = lua<
  [campaign: string],
  [from: string, to: CampaignState, ...fieldValuePairs: string[]],
  'ok' | 'missing' | CampaignState
>('transition-campaign');

/** Sets or removes a campaign's budget cap, never bringing back an expired campaign (scripts/set-max-cost.lua). */
const SET_MAX_COST = lua<[campaign: string], [micros: string], 0 | 1>('set-max-cost');

export class CampaignStore {
  /** Campaigns whose damaged fields were logged: each once, not at every read (bounded, in case many are). */
  private readonly damageLogged = new Set<string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly clock: Clock = systemClock,
    private readonly log?: Logger,
  ) {}

  /**
   * The record, to send or change the campaign by. One whose sendAt, window or expireAt cannot be read throws
   * UnreadableRecordError: sending without them could text people at night, past the validity or through an account
   * the campaign does not pin.
   */
  /**
   * When the campaign's record was made (ms), or undefined when there is none: one field, to tell whether the record
   * a run read at its start is still the one in Redis (not lost, nor made anew by a later enqueue of the same id).
   */
  async createdAt(campaignId: string): Promise<number | undefined> {
    const v = await this.redis.hget(this.keys.campaign(campaignId), 'createdAt');
    return v === null ? undefined : Number(v);
  }

  async read(campaignId: string): Promise<CampaignRecord | null> {
    const rec = await this.show(campaignId);
    const unsafe = rec?.damaged?.filter((f) => SENDING_FIELDS.has(f));
    if (unsafe && unsafe.length > 0) {
      throw new UnreadableRecordError(
        `campaign ${campaignId} has fields that cannot be read (${unsafe.join(', ')}); it is not sent until they are fixed or it is cancelled`,
      );
    }
    return rec;
  }

  /** The record, to show it: fields that cannot be read are left out and named in `damaged` (logged once). */
  async show(campaignId: string): Promise<CampaignRecord | null> {
    const rec = parseCampaignRecord(campaignId, await this.redis.hgetall(this.keys.campaign(campaignId)));
    if (rec?.damaged && !this.damageLogged.has(campaignId)) {
      if (this.damageLogged.size >= 1000) this.damageLogged.clear();
      this.damageLogged.add(campaignId);
      this.log?.warn({ campaignId, fields: rec.damaged }, 'campaign record has fields that cannot be read; they are left out');
    }
    return rec;
  }

  /**
   * State and counts; `queuePaused` (an operator's `smsq pause` or an account-level stop, `accountStop` saying
   * which) turns a queued or running campaign into `paused` for the reader.
   */
  async info(
    campaignId: string,
    queuePaused: boolean,
    accountStop?: { code: string; reason: string } | null,
  ): Promise<CampaignInfo | null> {
    const rec = await this.show(campaignId);
    if (!rec) return null;
    const active = rec.state === 'queued' || rec.state === 'running';
    const [schedule, producerAlive] = await Promise.all([
      this.schedule(campaignId, rec),
      rec.staging ? this.redis.exists(this.keys.staging(campaignId)) : 0,
    ]);
    const unfinished = rec.batches - rec.batchesDone;
    const windowBound =
      rec.state === 'running' && schedule?.waiting !== undefined && unfinished > 0 && schedule.waiting.batches >= unfinished;
    const { tenant } = ownerOf(campaignId);
    return {
      campaignId,
      ...(tenant !== undefined ? { tenant } : {}),
      ...(rec.parentId !== undefined ? { parentId: rec.parentId } : {}),
      state: active && queuePaused ? 'paused' : windowBound ? 'waiting-window' : rec.state,
      content: rec.content,
      senderId: rec.senderId,
      ...(rec.accounts ? { accounts: rec.accounts } : {}),
      priority: rec.priority,
      maxRate: rec.maxRate,
      paused: pauseInfo(rec, active && queuePaused, accountStop),
      schedule,
      batches: rec.batches,
      staging: rec.staging ? { staged: rec.staging.staged, producerAlive: producerAlive === 1 } : undefined,
      unstaged: rec.unstaged,
      counts: {
        total: rec.total,
        ...rec.counts,
        pending: rec.total - settledCount(rec.counts),
        duplicatesSkipped: rec.duplicates,
        invalidSkipped: rec.invalid,
      },
      delivery: deliverySummary(rec.delivery, rec.counts.sent),
      createdAt: rec.createdAt,
      firstBatchAt: rec.firstBatchAt,
      lastBatchAt: rec.lastBatchAt,
      finishedAt: rec.finishedAt,
      failure: rec.failure,
      maxCost: rec.maxCost !== undefined ? formatMicros(rec.maxCost) : undefined,
      settleError: rec.settleError,
      ...(rec.linkBase !== undefined
        ? {
            links: {
              baseUrl: rec.linkBase,
              ...rec.links,
              clickRate: rec.counts.sent > 0 ? Math.min(1, rec.links.clickers / rec.counts.sent) : null,
            },
          }
        : {}),
      ...(rec.canary
        ? {
            canary: {
              size: rec.canary.plan.size,
              holdMs: rec.canary.plan.holdMs,
              gates: rec.canary.plan.gates,
              state: rec.canary.state,
              ...(rec.canary.sentAt !== undefined ? { sentAt: rec.canary.sentAt } : {}),
              ...(rec.canary.figures
                ? { figures: rec.canary.figures, failedGates: failedGates(rec.canary.plan.gates, rec.canary.figures) }
                : {}),
            },
          }
        : {}),
      ...(rec.variants
        ? {
            variants: {
              texts: rec.variants.plan.texts,
              winnerBy: rec.variants.plan.winnerBy,
              ...(rec.variants.winner !== undefined ? { winner: rec.variants.winner } : {}),
              ...(rec.variants.figures ? { figures: rec.variants.figures } : {}),
            },
          }
        : {}),
      outcomeCodes: rec.outcomeCodes,
      ...(rec.damaged ? { damaged: rec.damaged } : {}),
    };
  }

  /**
   * Makes `move`, a row of the lifecycle (`LIFECYCLE.cancel`), with `fields` set in the same step, if the campaign is
   * in one of its `from` states; returns 'ok', 'missing' or the state it was in. Atomic, so a cancel and a content
   * failure (or a completion) cannot both win. A move the lifecycle does not allow throws TRANSITION_NOT_ALLOWED.
   */
  async transition(campaignId: string, move: Move, fields: Record<string, string> = {}): Promise<'ok' | 'missing' | CampaignState> {
    checkMove(move);
    return runScript(
      this.redis,
      TRANSITION,
      [this.keys.campaign(campaignId)],
      [fromStates(move), move.to, ...Object.entries(fields).flat()],
    );
  }

  /** The campaign's schedule, window and validity, with its batches waiting for a window; undefined when it has none. */
  private async schedule(campaignId: string, rec: CampaignRecord): Promise<CampaignSchedule | undefined> {
    if (rec.sendAt === undefined && rec.window === undefined && rec.expireAt === undefined) return undefined;
    const schedule: CampaignSchedule = { sendAt: rec.sendAt, window: rec.window?.spec, timezone: rec.timezone, expireAt: rec.expireAt };
    if (rec.window) {
      // A batch whose window has opened keeps its entry until its run has sent: it is going out, not waiting.
      const key = this.keys.windowWaits(campaignId);
      const after = `(${this.clock.now()}`;
      const [count, first] = await Promise.all([
        this.redis.zcount(key, after, '+inf'),
        this.redis.zrangebyscore(key, after, '+inf', 'WITHSCORES', 'LIMIT', 0, 1),
      ]);
      if (count > 0) schedule.waiting = { batches: count, nextOpenAt: Number(first[1]) };
    }
    return schedule;
  }

  /** Notes that a batch holds recipients until `reopenAt` (their window), for `smsq status`. */
  async waitingForWindow(campaignId: string, batch: number, reopenAt: number): Promise<void> {
    await this.redis.zadd(this.keys.windowWaits(campaignId), reopenAt, String(batch));
  }

  async windowWaitOver(campaignId: string, batch: number): Promise<void> {
    await this.redis.zrem(this.keys.windowWaits(campaignId), String(batch));
  }

  /** Resend rounds the campaign has started (one HGET: asked by every batch that ends with `unknown` recipients). */
  async resendRounds(campaignId: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.campaign(campaignId), 'resendRounds')) ?? 0);
  }

  /** Starts the campaign's next resend round; returns its number (1, 2, …). */
  startResendRound(campaignId: string): Promise<number> {
    return this.redis.hincrby(this.keys.campaign(campaignId), 'resendRounds', 1);
  }

  /** Notes (or, with null, clears) why automatic settling cannot read the gateway's records. */
  async setSettleError(campaignId: string, message: string | null): Promise<void> {
    if (message === null) await this.redis.hdel(this.keys.campaign(campaignId), 'settleError');
    else await this.redis.hset(this.keys.campaign(campaignId), 'settleError', message);
  }

  /** The campaign's budget cap in millionths, or null for none (one HGET: asked after every priced report). */
  async maxCost(campaignId: string): Promise<number | null> {
    const v = await this.redis.hget(this.keys.campaign(campaignId), 'maxCost');
    return v ? Number(v) : null;
  }

  /** Sets (millionths) or removes (null) the campaign's budget cap; false when there is no such campaign. */
  async setMaxCost(campaignId: string, micros: number | null): Promise<boolean> {
    return (await runScript(this.redis, SET_MAX_COST, [this.keys.campaign(campaignId)], [micros === null ? '' : String(micros)])) === 1;
  }

  /**
   * One record per recipient, batch by batch: a few hundred KB in memory whatever the campaign's size. With
   * `content` (the campaign's record) each line carries its recipient's text, rendered here from the stored template
   * and fields: rendered texts are never stored.
   */
  async *results(
    campaignId: string,
    batches: number,
    content?: Pick<CampaignRecord, 'content' | 'template'>,
    /** The campaign tracks links: each result carries its recipient's `clicks` and `firstClickAt`. */
    tracked = false,
    /** The campaign's A/B variants and canary: each result names its recipient's variant (and `content` renders it). */
    ab?: Pick<CampaignRecord, 'variants' | 'canary'>,
  ): AsyncGenerator<RecipientResult> {
    let unreadableLogged = false;
    const variants = ab?.variants;
    for (let k = 0; k < batches; k++) {
      const read = await this.batchResults(campaignId, k, tracked);
      if (!read) continue;
      if (read.unreadableDelivery && !unreadableLogged) {
        unreadableLogged = true;
        this.log?.warn({ campaignId, batch: k }, 'a delivery report stored for this campaign cannot be read; its result line shows none');
      }
      const { recipients, results } = read;
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        // A canary recipient's own variant; any other's is the winner's, once the canary is judged.
        const v = ab ? recipientVariant(ab, k, i) : undefined;
        if (v !== undefined) r.variant = variantName(v);
        const template = v !== undefined && variants ? variants.templates[v] : content?.template;
        if (content) r.content = template ? renderStored(template, recipients[i].values) : content.content;
        yield r;
      }
    }
  }

  /**
   * One batch's recipients as stored (field values included) beside their results, in the same order; null for a
   * batch never written. `unreadableDelivery`: a stored delivery report could not be read (its result shows none).
   */
  async batchResults(
    campaignId: string,
    k: number,
    tracked = false,
  ): Promise<{ recipients: Recipient[]; results: RecipientResult[]; unreadableDelivery: boolean } | null> {
    const read = this.redis.pipeline().hmget(this.keys.batch(campaignId, k), 'r', 'o').hgetall(this.keys.deliveries(campaignId, k));
    if (tracked) read.hgetall(this.keys.batchClicks(campaignId, k));
    const replies = (await read.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const [r, o] = replies[0][1] as Array<string | null>;
    if (r === null) return null;
    const outcomes = parseOutcomes(o);
    const recipients = decodeRecipients(r);
    const deliveries = replies[1][1] as Record<string, string>;
    const clicks = tracked ? (replies[2][1] as Record<string, string>) : undefined;
    let unreadableDelivery = false;
    const results = recipients.map((recipient, i) => {
      const d = deliveries[i] ? readStoredDelivery(deliveries[i]) : undefined;
      if (d === null) unreadableDelivery = true;
      const result = withDelivery(toResult(recipient.number, recipient.orderId, outcomes.get(i)), d ?? undefined);
      if (clicks) withClicks(result, clicks[i]);
      return result;
    });
    return { recipients, results, unreadableDelivery };
  }
}

/** A tracked campaign's result gets its recipient's clicks: 0 without any, or a record that does not read. */
export function withClicks(r: RecipientResult, stored: string | undefined): void {
  const m = stored === undefined ? null : /^(\d{1,9}),(\d{1,15})$/.exec(stored);
  r.clicks = m ? Number(m[1]) : 0;
  if (m) r.firstClickAt = new Date(Number(m[2])).toISOString();
}

function pauseInfo(rec: CampaignRecord, queuePaused: boolean, stop?: { code: string; reason: string } | null): PauseInfo | undefined {
  if (rec.state === 'paused') return { by: rec.pausedBy ?? 'operator', reason: rec.pauseReason ?? '', at: rec.pausedAt };
  if (!queuePaused) return undefined;
  return stop
    ? { by: 'account', reason: `account-level stop: gateway status ${stop.code} (${stop.reason})` }
    : { by: 'operator', reason: 'the whole queue is paused (smsq pause)' };
}

export function toResult(number: string, orderId: string, o: StoredOutcome | undefined): RecipientResult {
  if (!o) return { number, orderId, status: 'pending' };
  const account = accountOf(o);
  switch (o[0]) {
    case 's':
      return o[2] == null
        ? { number, orderId, status: 'sent', msgId: o[1], account }
        : { number, orderId, status: 'sent', msgId: o[1], reason: o[2], account };
    case 'f':
      return account === undefined
        ? { number, orderId, status: 'failed', code: o[1], reason: o[2] }
        : { number, orderId, status: 'failed', code: o[1], reason: o[2], account };
    case 'u':
      return { number, orderId, status: 'unknown', code: o[1], reason: o[2], account };
    case 'c':
      return { number, orderId, status: 'cancelled' };
    case 'n':
      return { number, orderId, status: 'not-sent', reason: o[1], account };
    case 'x':
      return { number, orderId, status: 'suppressed', reason: o[1] };
    case 'k':
      return { number, orderId, status: 'capped' };
    case 'e':
      return { number, orderId, status: 'expired' };
  }
}
