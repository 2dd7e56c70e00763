import type { Keys } from './keys';
import { runScript } from './lua';
import { decodeRecipients } from './recipient-codec';
import type { RedisClient } from './redis';
import { BEGIN_CALL, FINISH_BATCH, RECONCILE_OUTCOMES, RECORD_OUTCOMES, REOPEN_BATCH } from './scripts';
import type { Recipient, StoredOutcome } from './types';
import { parseReserved, type ReservedEvents } from './webhooks/events';

/** A call that was in flight when its run stopped: who ran it, for which recipients, since when. */
export interface InFlight {
  t: string;
  i: number[];
  at: number;
}

export interface BatchRecord {
  recipients: Recipient[];
  outcomes: ReadonlyMap<number, StoredOutcome>;
  inFlight: InFlight | null;
  done: boolean;
  /** Bumped by every outcome write: a run whose version is behind must not start a call. */
  version: number;
}

export type BeginResult = 'ok' | 'cancelled' | 'failed' | 'done' | 'busy' | 'stale';
export type FinishResult = 'incomplete' | 'already' | 'counted' | 'completed';
/** An outcome write: the batch's new version, and how many outcomes were already stored by another run. */
export type RecordResult = { ok: true; version: number; skipped: number } | { ok: false; reason: 'lost' | 'busy' };

/**
 * A batch's record in Redis: the recipients the producer staged, the outcome of each, and the call in flight.
 * The rule that makes re-runs safe: record a call before sending it, record its outcome after; a run that
 * finds a call recorded without an outcome never sends those recipients again on its own.
 */
export class BatchStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly retentionSeconds: number,
  ) {}

  async load(campaignId: string, batch: number): Promise<BatchRecord | null> {
    const [r, o, fly, ft, st, v] = await this.redis.hmget(this.keys.batch(campaignId, batch), 'r', 'o', 'fly', 'ft', 'st', 'v');
    if (r === null) return null;
    return {
      recipients: decodeRecipients(r),
      outcomes: parseOutcomes(o),
      inFlight: fly && ft ? { ...(JSON.parse(fly) as Omit<InFlight, 't'>), t: ft } : null,
      done: st === 'done',
      version: Number(v ?? 0),
    };
  }

  /** Records a call as in flight, unless the campaign ended, another call is in flight or `version` is behind. */
  async beginCall(campaignId: string, batch: number, token: string, indices: number[], version: number): Promise<BeginResult> {
    const fly = JSON.stringify({ i: indices, at: Date.now() });
    return (await runScript(this.redis, BEGIN_CALL, [this.keys.batch(campaignId, batch), this.keys.campaign(campaignId)], [token, fly, String(version)])) as BeginResult;
  }

  /** Ends the call `token` (ours, or a dead run's) with these outcomes; not ok ('lost') if another run took it over. */
  endCall(campaignId: string, batch: number, token: string, outcomes: ReadonlyMap<number, StoredOutcome>): Promise<RecordResult> {
    return this.record(campaignId, batch, token, outcomes);
  }

  /** Stores outcomes decided without a call (cancelled, campaign failed, attempts used up); not ok ('busy') mid-call. */
  settle(campaignId: string, batch: number, outcomes: ReadonlyMap<number, StoredOutcome>): Promise<RecordResult> {
    return this.record(campaignId, batch, '', outcomes);
  }

  /**
   * Counts a fully settled batch into its campaign, exactly once. With `webhooks`, it also reserves the batch's
   * recipients.settled event (and campaign.completed with the last batch); a re-run gets the same ones back.
   */
  async finish(campaignId: string, batch: number, size: number, webhooks = false): Promise<{ result: FinishResult; events?: ReservedEvents }> {
    const keys = [this.keys.batch(campaignId, batch), this.keys.campaign(campaignId), this.keys.deliveries(campaignId, batch)];
    const reply = (await runScript(this.redis, FINISH_BATCH, keys, [
      String(size), String(this.retentionSeconds), String(Date.now()), webhooks ? '1' : '',
    ])) as string;
    const bar = reply.indexOf('|');
    return bar < 0 ? { result: reply as FinishResult } : { result: reply.slice(0, bar) as FinishResult, events: parseReserved(reply.slice(bar + 1)) };
  }

  /** Replaces `unknown` outcomes (only those) with what reconcile learnt; returns how many changed. */
  async reconcile(campaignId: string, batch: number, outcomes: ReadonlyMap<number, StoredOutcome>): Promise<number> {
    const keys = [this.keys.batch(campaignId, batch), this.keys.campaign(campaignId)];
    return (await runScript(this.redis, RECONCILE_OUTCOMES, keys, [JSON.stringify(Object.fromEntries(outcomes))])) as number;
  }

  /** Makes a counted batch's `not-sent` recipients pending again, for a resend; returns how many. */
  async reopen(campaignId: string, batch: number, round: number): Promise<number> {
    const keys = [this.keys.batch(campaignId, batch), this.keys.campaign(campaignId)];
    return (await runScript(this.redis, REOPEN_BATCH, keys, [String(round)])) as number;
  }

  private async record(campaignId: string, batch: number, token: string, outcomes: ReadonlyMap<number, StoredOutcome>): Promise<RecordResult> {
    const reply = await runScript(this.redis, RECORD_OUTCOMES, [this.keys.batch(campaignId, batch)], [
      token, JSON.stringify(Object.fromEntries(outcomes)), String(outcomes.size),
    ]);
    if (reply === 'lost' || reply === 'busy') return { ok: false, reason: reply };
    const [version, skipped] = reply as [number, number];
    return { ok: true, version, skipped };
  }
}

export function parseOutcomes(json: string | null): Map<number, StoredOutcome> {
  const out = new Map<number, StoredOutcome>();
  if (!json) return out;
  for (const [k, v] of Object.entries(JSON.parse(json) as Record<string, StoredOutcome>)) out.set(Number(k), v);
  return out;
}
