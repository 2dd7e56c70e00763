import { lua } from '../redis/lua';
import type { CampaignState } from '../types';

/**
 * The Lua scripts that keep a batch's record consistent when two runs of one batch job overlap (a stalled job
 * re-run while the first run is still alive), with their contracts; each script's text, and its header naming every
 * KEYS and ARGV slot and reply, is in src/shared/redis/scripts/<name>.lua. Outcomes are merged first-writer-wins, so
 * a recipient's outcome, once stored, never changes; the in-flight call carries the owning run's token.
 *
 * Batch hash fields: r (recipients), o (JSON {index: StoredOutcome}), fly (JSON {i: [indices], at}, or {r: [first,
 * last], at} when the indices are one run) and ft (its run's token) while a call is in flight, v (a version bumped
 * by every outcome write), st ('done' once counted), sv and sx (the suppression list's version when the batch was
 * staged, and the indices of its recipients listed then: src/shared/opt-out/list-version.ts).
 */

/** Why BEGIN_CALL refused to start a call. */
export type BeginCallRefusal = 'cancelled' | 'failed' | 'done' | 'busy' | 'stale' | 'expired' | 'gone';

/** Records a call in flight, the last moment before sending: suppression, frequency cap and contact history applied. */
export const BEGIN_CALL = lua<
  [batch: string, campaign: string, campaignRefs: string],
  [
    token: string,
    now: string,
    version: string,
    campaignId: string,
    options: string,
    prefix: string,
    startFrom: string,
    account: string,
    ...indexNumberPairs: string[],
  ],
  BeginCallRefusal | [ok: 'ok', version: number, settled: number, calling: number]
>('begin-call');

/** Gives back the frequency-cap count of numbers whose call ended without sending. */
export const UNCOUNT_SENDS = lua<[routing: string], [prefix: string, sendTimeSeconds: string, ...numbers: string[]], number>(
  'uncount-sends',
);

/**
 * Ends a call in one step: merges its outcomes first-writer-wins (ending the call `token`, or with '' settling
 * recipients no call is about), appends the call's entry to the batch's call log (batch/call-log.ts), indexes the
 * msgIds it sent, and counts the batch in when asked and it is settled.
 * `finished` is '' when not asked, else FINISH_BATCH's answer; `reportsHeld` 1 when it indexed msgIds while reports
 * are held.
 */
export const END_CALL = lua<
  [
    batch: string,
    campaign: string,
    deliveries: string,
    series: string,
    msgIdRefs: string,
    awaitingReports: string,
    heldReports: string,
    callLog: string,
  ],
  [
    token: string,
    outcomesJson: string,
    outcomes: string,
    finishRecipients: string,
    retentionSeconds: string,
    now: string,
    seriesSamples: string,
    autoSettle: '1' | '0',
    webhooks: '1' | '',
    completeFrom: string,
    ref: string,
    refEntry: string,
    expiresAt: string,
    awaitingScore: string,
    awaitingMember: string,
    tally: string,
    callEntry: string,
    callLogMax: string,
    ...buckets: string[],
  ],
  'lost' | 'busy' | [version: number, skipped: number, finished: '' | FinishResult | `${FinishResult}|${string}`, reportsHeld: 0 | 1]
>('end-call');

/** Merges outcomes first-writer-wins, ending the call `token` (or, with '', settling recipients no call is about). */
export const RECORD_OUTCOMES = lua<
  [batch: string],
  [token: string, outcomesJson: string, outcomes: string],
  'lost' | 'busy' | [version: number, skipped: number]
>('record-outcomes');

/** Counts a settled batch into its campaign exactly once, completing the campaign with its last batch. */
export type FinishResult = 'incomplete' | 'already' | 'counted' | 'settling' | 'completed';
export const FINISH_BATCH = lua<
  [batch: string, campaign: string, deliveries: string, series: string],
  [
    recipients: string,
    retentionSeconds: string,
    now: string,
    seriesSamples: string,
    autoSettle: '1' | '0',
    webhooks: '1' | '',
    completeFrom: string,
  ],
  FinishResult | `${FinishResult}|${string}`
>('finish-batch');

/** Replaces `unknown` outcomes (only those) with what reconcile learnt, moving the counters of a counted batch. */
export const RECONCILE_OUTCOMES = lua<[batch: string, campaign: string], [outcomesJson: string], number>('reconcile-outcomes');

/** For a resend: makes a counted batch's `not-sent` recipients pending again and un-counts the batch. */
export const REOPEN_BATCH = lua<[batch: string, campaign: string], [round: string, reopenFrom: string], number>('reopen-batch');

/**
 * Completes a campaign kept open for automatic settling once every batch is counted and no recipient is `unknown`;
 * `completed|<reserved completion>` when it also reserved the campaign.completed event.
 */
export type CompleteResult = 'completed' | 'open' | 'missing' | `ended:${CampaignState}`;
export const COMPLETE_IF_SETTLED = lua<
  [campaign: string],
  [retentionSeconds: string, now: string, completeFrom: string, webhooks: '1' | ''],
  CompleteResult | `completed|${string}`
>('complete-if-settled');
