import type { RedisClient } from './redis';
import type { Keys } from './keys';
import { decodeRecipients } from './recipient-codec';
import { BEGIN_CALL, FINISH_BATCH, RECORD_OUTCOMES } from './scripts';
import type { Recipient, StoredOutcome } from './types';

/** A call that was in flight when its run stopped: who ran it, for which recipients, since when. */
export interface InFlight {
  t: string;
  i: number[];
  at: number;
}

export interface BatchRecord {
  recipients: Recipient[];
  outcomes: Map<number, StoredOutcome>;
  inFlight: InFlight | null;
  done: boolean;
}

export type BeginResult = 'ok' | 'cancelled' | 'failed' | 'done' | 'busy';
export type FinishResult = 'incomplete' | 'already' | 'counted' | 'completed';

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
    const [r, o, fly, st] = await this.redis.hmget(this.keys.batch(campaignId, batch), 'r', 'o', 'fly', 'st');
    if (r === null) return null;
    return {
      recipients: decodeRecipients(r),
      outcomes: parseOutcomes(o),
      inFlight: fly ? (JSON.parse(fly) as InFlight) : null,
      done: st === 'done',
    };
  }

  /** Records a call as in flight, unless the campaign was cancelled or failed meanwhile. */
  async beginCall(campaignId: string, batch: number, token: string, indices: number[]): Promise<BeginResult> {
    const fly: InFlight = { t: token, i: indices, at: Date.now() };
    return (await this.redis.eval(BEGIN_CALL, 2, this.keys.batch(campaignId, batch), this.keys.campaign(campaignId), JSON.stringify(fly))) as BeginResult;
  }

  /** Ends the call `token` (ours, or a dead run's) with these outcomes; 'lost' if another run took it over. */
  async endCall(campaignId: string, batch: number, token: string, outcomes: Map<number, StoredOutcome>): Promise<'ok' | 'lost'> {
    return (await this.record(campaignId, batch, token, outcomes)) as 'ok' | 'lost';
  }

  /** Stores outcomes decided without a call (cancelled, campaign failed, attempts used up). */
  async settle(campaignId: string, batch: number, outcomes: Map<number, StoredOutcome>): Promise<'ok' | 'busy'> {
    return (await this.record(campaignId, batch, '', outcomes)) as 'ok' | 'busy';
  }

  /** Counts a fully settled batch into its campaign, exactly once. */
  async finish(campaignId: string, batch: number, size: number): Promise<FinishResult> {
    return (await this.redis.eval(
      FINISH_BATCH, 2, this.keys.batch(campaignId, batch), this.keys.campaign(campaignId),
      String(size), String(this.retentionSeconds), String(Date.now()),
    )) as FinishResult;
  }

  private async record(campaignId: string, batch: number, token: string, outcomes: Map<number, StoredOutcome>): Promise<string> {
    return (await this.redis.eval(RECORD_OUTCOMES, 1, this.keys.batch(campaignId, batch), token, JSON.stringify(Object.fromEntries(outcomes)))) as string;
  }
}

export function parseOutcomes(json: string | null): Map<number, StoredOutcome> {
  const out = new Map<number, StoredOutcome>();
  if (!json) return out;
  for (const [k, v] of Object.entries(JSON.parse(json) as Record<string, StoredOutcome>)) out.set(Number(k), v);
  return out;
}
