import { DEFAULT_ACCOUNT, type DurabilityConfig, type OptOutConfig } from '../config';
import { connectionEpoch, waitDurable } from '../redis/durability';
import { fromStates, LIFECYCLE } from '../campaign/lifecycle';
import { SERIES_MAX_SAMPLES } from '../campaign/series';
import type { Keys } from '../redis/keys';
import { runScript, splitReply } from '../redis/lua';
import { decodeRecipients } from '../recipient/codec';
import type { RedisClient } from '../redis/connection';
import {
  BEGIN_CALL,
  END_CALL,
  FINISH_BATCH,
  RECONCILE_OUTCOMES,
  RECORD_OUTCOMES,
  REOPEN_BATCH,
  UNCOUNT_SENDS,
  type BeginCallRefusal,
  type FinishResult,
} from './scripts';
import type { Recipient, StoredOutcome } from '../types';
import { CALL_LOG_MAX } from './call-log';
import type { SentIndexing } from '../delivery/delivery-store';
import { parseReserved, type ReservedEvents } from '../webhooks/events';

/** A call that was in flight when its run stopped: who ran it, for which recipients, since when, through which account. */
export interface InFlight {
  t: string;
  i: number[];
  at: number;
  /** The gateway account; `default` when the record names none. */
  account: string;
}

export interface BatchRecord {
  recipients: Recipient[];
  outcomes: ReadonlyMap<number, StoredOutcome>;
  inFlight: InFlight | null;
  done: boolean;
  /** Bumped by every outcome write: a run whose version is behind must not start a call. */
  version: number;
}

/**
 * A call's start: refused (the campaign ended, another call is in flight, the run's view is stale), or recorded,
 * with the batch's version and how many of the call's recipients were settled instead of called (suppressed,
 * capped) and how many remain in the call.
 */
export type BeginResult = { ok: true; version: number; settled: number; calling: number } | { ok: false; reason: BeginRefusal };
/** 'not-durable': REDIS_DURABILITY's acknowledgement did not come in time; the record was taken back, nothing was sent. */
export type BeginRefusal = BeginCallRefusal | 'not-durable';

/** What BEGIN_CALL checks and records besides the in-flight call (see scripts.ts). */
export interface SendChecks {
  suppression: boolean;
  contacts: boolean;
  /** Messages per number per period; 0: no cap. */
  capCount: number;
  capPeriodSeconds: number;
  contactTtlSeconds: number;
  /** SMS_SUPPRESSION_SCOPE=tenant: a tenant's campaign also checks its tenant's own list. Absent: off. */
  tenantLists?: boolean;
}

/** What the start of each call checks and records (BEGIN_CALL), from the configuration. */
export function sendChecks(config: { readonly optOut: OptOutConfig }): SendChecks {
  const optOut = config.optOut;
  return {
    suppression: optOut.suppressionCheck,
    contacts: optOut.contactHistory,
    capCount: optOut.frequencyCap?.count ?? 0,
    capPeriodSeconds: optOut.frequencyCap?.periodSeconds ?? 0,
    contactTtlSeconds: optOut.contactTtlSeconds,
    tenantLists: optOut.suppressionScope === 'tenant',
  };
}

/** An outcome write: the batch's new version, and how many outcomes were already stored by another run. */
export type RecordResult = { ok: true; version: number; skipped: number } | { ok: false; reason: 'lost' | 'busy' };

/** How a settled batch is counted in: whether its campaign waits for settling, whether its events go to a webhook. */
export interface FinishOptions {
  autoSettle?: boolean;
  webhooks?: boolean;
}

/** A batch counted in (or found counted, or not settled yet), with the webhook events reserved for it. */
export interface Finished {
  result: FinishResult;
  events?: ReservedEvents;
}

/** What the end of a call does besides recording its outcomes. */
export interface CallEnd {
  /** The msgId index writes for the recipients it sent (DeliveryStore.sentIndexing). */
  index?: SentIndexing | null;
  /** Count the batch in if every one of its `recipients` now has an outcome, as `finish` does. */
  finish?: FinishOptions & { recipients: number };
  /** The call's entry for the batch's call log (callEntry in call-log.ts). */
  call?: string;
}

/** An outcome write that ended a call: also whether it counted the batch in, and whether reports wait for its msgIds. */
export type EndResult =
  { ok: true; version: number; skipped: number; finished?: Finished; reportsHeld: boolean } | { ok: false; reason: 'lost' | 'busy' };

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
    private readonly durability: DurabilityConfig = { mode: 'none', timeoutMs: 0 },
    /** The connection that writes in-flight records and waits for them (REDIS_DURABILITY): WAIT blocks it meanwhile. */
    private readonly callRedis: RedisClient = redis,
  ) {}

  async load(campaignId: string, batch: number): Promise<BatchRecord | null> {
    const [r, o, fly, ft, st, v] = await this.redis.hmget(this.keys.batch(campaignId, batch), 'r', 'o', 'fly', 'ft', 'st', 'v');
    if (r === null) return null;
    return {
      recipients: decodeRecipients(r),
      outcomes: parseOutcomes(o),
      inFlight: fly && ft ? parseInFlight(fly, ft) : null,
      done: st === 'done',
      version: Number(v ?? 0),
    };
  }

  /**
   * Records a call as in flight, unless the campaign ended, another call is in flight or `version` is behind; in
   * the same step settles the recipients `checks` keep out of it (suppressed, capped).
   */
  async beginCall(
    campaignId: string,
    batch: number,
    token: string,
    call: { indices: number[]; numbers: string[]; at: number; clockNow: number; account?: string },
    version: number,
    checks: SendChecks,
  ): Promise<BeginResult> {
    const pairs: string[] = [];
    for (let j = 0; j < call.indices.length; j++) pairs.push(String(call.indices[j]), call.numbers[j]);
    const options = [
      checks.suppression ? 1 : 0,
      checks.contacts ? 1 : 0,
      checks.capCount,
      checks.capPeriodSeconds,
      checks.contactTtlSeconds,
      call.clockNow,
      checks.tenantLists ? 1 : 0,
    ].join(',');
    const epoch = connectionEpoch(this.callRedis);
    const reply = await runScript(
      this.callRedis,
      BEGIN_CALL,
      [this.keys.batch(campaignId, batch), this.keys.campaign(campaignId), this.keys.campaignRefs()],
      [
        token,
        String(call.at),
        String(version),
        campaignId,
        options,
        this.keys.prefix,
        fromStates(LIFECYCLE.firstCall),
        call.account === undefined || call.account === DEFAULT_ACCOUNT ? '' : call.account,
        ...pairs,
      ],
    );
    if (!Array.isArray(reply)) return { ok: false, reason: reply };
    const [, v, settled, calling] = reply;
    if (calling === 0 || (await waitDurable(this.callRedis, this.durability, epoch))) return { ok: true, version: v, settled, calling };
    // Not acknowledged: the record is ours and nothing was sent, so taking it back is safe (a run that finds it
    // after a failover treats it as a call that may have been sent, which is only cautious).
    await runScript(this.callRedis, RECORD_OUTCOMES, [this.keys.batch(campaignId, batch)], [token, '{}', '0']);
    return { ok: false, reason: 'not-durable' };
  }

  /** Gives back the frequency-cap count of numbers whose call, begun at `at`, sent nothing. */
  async uncountSends(numbers: string[], at: number): Promise<void> {
    // The campaign-refs key only routes the call to the prefix's node on a Redis Cluster.
    if (numbers.length > 0)
      await runScript(this.redis, UNCOUNT_SENDS, [this.keys.campaignRefs()], [this.keys.prefix, String(Math.floor(at / 1000)), ...numbers]);
  }

  /**
   * Ends the call `token` (ours, or a dead run's) with these outcomes, in one script (END_CALL): with `end.index`
   * it also indexes the msgIds the call sent, and with `end.finish` it counts the batch in when every recipient
   * now has an outcome. Not ok ('lost') if another run took the call over: then nothing is written.
   */
  async endCall(
    campaignId: string,
    batch: number,
    token: string,
    outcomes: ReadonlyMap<number, StoredOutcome>,
    end: CallEnd = {},
  ): Promise<EndResult> {
    const { index, finish, call } = end;
    const k = this.keys;
    const reply = await runScript(
      this.redis,
      END_CALL,
      [
        k.batch(campaignId, batch),
        k.campaign(campaignId),
        k.deliveries(campaignId, batch),
        k.campaignSeries(campaignId),
        // Not written without an index; named all the same, as any key of the prefix's slot would be.
        index?.refsKey ?? k.awaitingReports(),
        k.awaitingReports(),
        k.heldReportsFlag(),
        k.batchCalls(campaignId, batch),
      ],
      [
        token,
        outcomesJson(outcomes),
        String(outcomes.size),
        finish ? String(finish.recipients) : '',
        ...this.countArgs(finish ?? {}),
        index?.ref ?? '',
        index?.refEntry ?? '',
        String(index?.expiresAt ?? 0),
        String(index?.awaitingScore ?? 0),
        index?.awaitingMember ?? '',
        // Counting the batch in from the call's own tally spares decoding its outcomes when they are all it holds.
        finish ? outcomesTally(outcomes) : '',
        call ?? '',
        String(CALL_LOG_MAX),
        ...(index?.buckets ?? []),
      ],
    );
    if (reply === 'lost' || reply === 'busy') return { ok: false, reason: reply };
    const [version, skipped, finished, held] = reply;
    return { ok: true, version, skipped, reportsHeld: held === 1, ...(finished === '' ? {} : { finished: parseFinished(finished) }) };
  }

  /** Stores outcomes decided without a call (cancelled, campaign failed, attempts used up); not ok ('busy') mid-call. */
  settle(campaignId: string, batch: number, outcomes: ReadonlyMap<number, StoredOutcome>): Promise<RecordResult> {
    return this.record(campaignId, batch, '', outcomes);
  }

  /**
   * Counts a fully settled batch into its campaign, exactly once (END_CALL does it for a call that settles a batch's
   * last recipients). With `opts.autoSettle`, a campaign whose last batch leaves recipients `unknown` stays open
   * ('settling') for the settle job. With `opts.webhooks`, it also reserves the batch's recipients.settled event (and
   * campaign.completed with the last batch); a re-run gets the same ones back.
   */
  async finish(campaignId: string, batch: number, size: number, opts: FinishOptions = {}): Promise<Finished> {
    const keys = this.keys;
    const reply = await runScript(
      this.redis,
      FINISH_BATCH,
      [keys.batch(campaignId, batch), keys.campaign(campaignId), keys.deliveries(campaignId, batch), keys.campaignSeries(campaignId)],
      [String(size), ...this.countArgs(opts)],
    );
    return parseFinished(reply);
  }

  /** What counting a batch in takes, in the order END_CALL and FINISH_BATCH both take it (includes/count-batch.lua). */
  private countArgs(opts: FinishOptions): [string, string, string, '1' | '0', '1' | '', string] {
    return [
      String(this.retentionSeconds),
      String(Date.now()),
      String(SERIES_MAX_SAMPLES),
      opts.autoSettle ? '1' : '0',
      opts.webhooks ? '1' : '',
      fromStates(LIFECYCLE.complete),
    ];
  }

  /** Replaces `unknown` outcomes (only those) with what reconcile learnt; returns how many changed. */
  async reconcile(campaignId: string, batch: number, outcomes: ReadonlyMap<number, StoredOutcome>): Promise<number> {
    return runScript(
      this.redis,
      RECONCILE_OUTCOMES,
      [this.keys.batch(campaignId, batch), this.keys.campaign(campaignId)],
      [outcomesJson(outcomes)],
    );
  }

  /** Makes a counted batch's `not-sent` recipients pending again, for a resend; returns how many. */
  async reopen(campaignId: string, batch: number, round: number): Promise<number> {
    return runScript(
      this.redis,
      REOPEN_BATCH,
      [this.keys.batch(campaignId, batch), this.keys.campaign(campaignId)],
      [String(round), fromStates(LIFECYCLE.reopen)],
    );
  }

  private async record(
    campaignId: string,
    batch: number,
    token: string,
    outcomes: ReadonlyMap<number, StoredOutcome>,
  ): Promise<RecordResult> {
    const reply = await runScript(
      this.redis,
      RECORD_OUTCOMES,
      [this.keys.batch(campaignId, batch)],
      [token, outcomesJson(outcomes), String(outcomes.size)],
    );
    if (reply === 'lost' || reply === 'busy') return { ok: false, reason: reply };
    const [version, skipped] = reply;
    return { ok: true, version, skipped };
  }
}

/** FINISH_BATCH's (and END_CALL's) answer: the result, and the webhook events reserved for the batch. */
function parseFinished(reply: FinishResult | `${FinishResult}|${string}`): Finished {
  const [result, reserved] = splitReply<FinishResult>(reply);
  return reserved === undefined ? { result } : { result, events: parseReserved(reserved) };
}

/** A msgId that needs no escaping in JSON: written as it is. */
const PLAIN_MSG_ID = /^[\w.-]*$/;

/**
 * Outcomes as the batch hash stores them, JSON `{index: outcome}`, written straight into one string: a call's
 * thousand `sent` outcomes without an object of them first.
 */
export function outcomesJson(outcomes: ReadonlyMap<number, StoredOutcome>): string {
  let json = '';
  for (const [i, o] of outcomes) {
    json += json === '' ? '{"' : ',"';
    json += o[0] === 's' && o.length === 2 && PLAIN_MSG_ID.test(o[1]) ? `${i}":["s","${o[1]}"]` : `${i}":${JSON.stringify(o)}`;
  }
  return json === '' ? '{}' : `${json}}`;
}

/**
 * What counting these outcomes into a campaign adds, as END_CALL reads it instead of decoding them: JSON
 * `{letter: n, "oc:<f|u>:<code>": n}`, the recipients per outcome letter and the failed and unknown ones per code.
 */
export function outcomesTally(outcomes: ReadonlyMap<number, StoredOutcome>): string {
  const tally: Record<string, number> = {};
  for (const o of outcomes.values()) {
    tally[o[0]] = (tally[o[0]] ?? 0) + 1;
    if (o[0] === 'f' || o[0] === 'u') {
      const code = `oc:${o[0]}:${o[1]}`;
      tally[code] = (tally[code] ?? 0) + 1;
    }
  }
  return JSON.stringify(tally);
}

/** The in-flight record: `{i: [indices], at, a?}`, or `{r: [first, last], at, a?}` when its indices are one run. */
function parseInFlight(fly: string, t: string): InFlight {
  const f = JSON.parse(fly) as { i?: number[]; r?: [number, number]; at: number; a?: unknown };
  const r = f.r ?? [0, -1];
  const account = typeof f.a === 'string' && f.a !== '' ? f.a : DEFAULT_ACCOUNT;
  return { t, i: f.i ?? Array.from({ length: r[1] - r[0] + 1 }, (_, j) => r[0] + j), at: f.at, account };
}

export function parseOutcomes(json: string | null): Map<number, StoredOutcome> {
  const out = new Map<number, StoredOutcome>();
  if (!json) return out;
  for (const [k, v] of Object.entries(JSON.parse(json) as Record<string, StoredOutcome>)) out.set(Number(k), v);
  return out;
}
