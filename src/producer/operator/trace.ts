/**
 * Traces one recipient of a campaign (trace-steps.ts says what a trace holds): its row found batch by batch, then
 * everything kept about it read in one round trip — its outcome, its batch's call log (shared/batch/call-log.ts),
 * its delivery report, its clicks, its batch's send-window hold and webhook event — plus the webhook job's state and
 * a bounded read of the replies. Everything read expires with the campaign's results (RESULT_RETENTION_SECONDS).
 */
import { CALL_LOG_MAX, callIncludes, parseCallEntry, type LoggedCall } from '../../shared/batch/call-log';
import { parseOutcomes } from '../../shared/batch/store';
import type { CampaignRecord } from '../../shared/campaign/record';
import { toResult, withClicks } from '../../shared/campaign/store';
import { recipientVariant, variantName } from '../../shared/campaign/variants';
import type { Context } from '../../shared/context';
import { readStoredDelivery, withDelivery } from '../../shared/delivery/summary';
import { SmsqError } from '../../shared/errors';
import { decodeRecipients } from '../../shared/recipient/codec';
import { normalizeNumber } from '../../shared/recipient/phone-number';
import { eventId } from '../../shared/webhooks/emitter';
import { parseReserved } from '../../shared/webhooks/events';
import type { Recipient, StoredOutcome } from '../../shared/types';
import { notFound } from './campaign-admin';
import type { CallNext, CallStep, CanaryStep, RecipientTrace, TraceStep } from './trace-steps';

/** Replies read at most, from the campaign's creation on: a trace never scans a long stream whole. */
export const REPLY_SCAN_MAX = 10_000;
/** Batches whose recipients are read per round trip while looking for the number (about 22 KB each). */
const BATCHES_PER_READ = 20;

/** Every step kept about `number` in the campaign; RECIPIENT_NOT_FOUND when it is none of its recipients. */
export async function traceRecipient(ctx: Context, campaignId: string, number: string): Promise<RecipientTrace> {
  const n = normalizeNumber(number);
  if (!n.ok) throw new SmsqError('VALIDATION_FAILED', `number: ${n.reason}`, { fields: { number: n.reason } });
  const rec = await ctx.campaigns.show(campaignId);
  if (!rec) throw notFound(campaignId);
  const found = await findRecipient(ctx, campaignId, rec.batches, n.number);
  if (!found)
    throw new SmsqError(
      'RECIPIENT_NOT_FOUND',
      `${n.number} is not a recipient of campaign ${campaignId} (never in its list, an invalid row, or a duplicate skipped).`,
    );
  const { batch, index, recipient } = found;

  const k = ctx.keys;
  const replies =
    (await ctx.redis
      .pipeline()
      .hmget(k.batch(campaignId, batch), 'o', 'wh')
      .lrange(k.batchCalls(campaignId, batch), 0, -1)
      .hget(k.deliveries(campaignId, batch), String(index))
      .hget(k.batchClicks(campaignId, batch), String(index))
      .zscore(k.windowWaits(campaignId), String(batch))
      .exec()) ?? [];
  for (const [err] of replies) if (err) throw err;
  const [o, wh] = replies[0][1] as Array<string | null>;
  const entries = replies[1][1] as string[];
  const [delivery, clicks, holdUntil] = [2, 3, 4].map((j) => replies[j][1] as string | null);

  const outcome = parseOutcomes(o).get(index);
  const result = withDelivery(
    toResult(recipient.number, recipient.orderId, outcome),
    delivery ? (readStoredDelivery(delivery) ?? undefined) : undefined,
  );
  const notes: string[] = [];
  const steps: TraceStep[] = [{ kind: 'staged', at: iso(rec.createdAt), batch, index, orderId: recipient.orderId }];
  if (rec.canary) steps.push(canaryStep(rec, batch, index));
  if (holdUntil !== null && outcome === undefined) steps.push({ kind: 'window-hold', until: iso(Number(holdUntil)) });

  const calls = entries.map(parseCallEntry).filter((c): c is LoggedCall => c !== null && callIncludes(c, index));
  if (entries.length >= CALL_LOG_MAX) notes.push(`its batch's call log keeps the newest ${CALL_LOG_MAX} calls: earlier ones are not shown`);
  steps.push(...callSteps(calls, outcome, result.msgId));
  if (outcome?.[0] === 'x' || outcome?.[0] === 'k')
    steps.push({
      kind: 'kept-out',
      status: outcome[0] === 'x' ? 'suppressed' : 'capped',
      ...(outcome[0] === 'x' ? { reason: outcome[1] } : {}),
    });
  const byCall = outcome !== undefined && 'sfu'.includes(outcome[0]) && calls.length > 0 && calls[calls.length - 1].verdict !== 'lost';
  steps.push({
    kind: 'outcome',
    ...(byCall ? { at: iso(calls[calls.length - 1].at) } : {}),
    status: result.status,
    ...pick(result, ['msgId', 'code', 'reason', 'account']),
  });

  const later: TraceStep[] = [];
  if (result.delivery !== undefined && result.delivery !== 'pending')
    later.push({
      kind: 'delivery',
      ...(result.reportedAt ? { at: result.reportedAt } : {}),
      state: result.delivery,
      ...(result.deliveryCode ? { code: result.deliveryCode } : {}),
      ...(result.deliveryReason ? { reason: result.deliveryReason } : {}),
      ...(result.price !== undefined ? { price: result.price, currency: result.currency ?? '' } : {}),
    });
  if (wh) {
    const reserved = parseReserved(wh);
    const id = eventId(campaignId, rec.createdAt, reserved.seq);
    const state = await ctx.queues.webhooks.getJobState(id);
    const shown = state === 'failed' ? 'failed' : state === 'completed' || state === 'unknown' ? 'delivered' : 'pending';
    later.push({ kind: 'webhook', at: iso(reserved.at), event: 'recipients.settled', id, delivery: shown });
  }
  const heard = await ctx.replies.fromNumber(n.number, campaignId, rec.createdAt, REPLY_SCAN_MAX);
  for (const r of heard.replies)
    later.push({ kind: 'reply', at: r.receivedAt, text: r.content, ...(r.keyword ? { keyword: r.keyword } : {}) });
  if (!heard.complete) notes.push(`replies: only the first ${REPLY_SCAN_MAX} stored since the campaign was queued were read`);
  if (rec.linkBase !== undefined && clicks !== null) {
    const c = toResult(recipient.number, recipient.orderId, undefined);
    withClicks(c, clicks);
    if (c.clicks && c.firstClickAt) later.push({ kind: 'clicks', at: c.firstClickAt, clicks: c.clicks });
  }
  // After the outcome, events come in their own time order; one without a time keeps its place.
  const time = (s: TraceStep) => ('at' in s && s.at !== undefined ? Date.parse(s.at) : Number.NEGATIVE_INFINITY);
  steps.push(
    ...later
      .map((s, j) => ({ s, j }))
      .sort((a, b) => time(a.s) - time(b.s) || a.j - b.j)
      .map((x) => x.s),
  );

  return { campaignId, number: n.number, orderId: recipient.orderId, batch, index, status: result.status, steps, notes };
}

/** The batch and index of `number`, read a few batches a round trip (one batch's recipients decoded: the one holding it). */
async function findRecipient(
  ctx: Context,
  campaignId: string,
  batches: number,
  number: string,
): Promise<{ batch: number; index: number; recipient: Recipient } | null> {
  const line = `${number},`;
  for (let first = 0; first < batches; first += BATCHES_PER_READ) {
    const read = ctx.redis.pipeline();
    const last = Math.min(batches, first + BATCHES_PER_READ);
    for (let k = first; k < last; k++) read.hget(ctx.keys.batch(campaignId, k), 'r');
    const replies = (await read.exec()) ?? [];
    for (let j = 0; j < replies.length; j++) {
      const [err, r] = replies[j] as [Error | null, string | null];
      if (err) throw err;
      if (r === null || !(r.startsWith(line) || r.includes(`\n${line}`))) continue;
      const recipients = decodeRecipients(r);
      const index = recipients.findIndex((x) => x.number === number);
      if (index >= 0) return { batch: first + j, index, recipient: recipients[index] };
    }
  }
  return null;
}

/** The recipient's calls in order, each with what came of it for this recipient. */
function callSteps(calls: LoggedCall[], outcome: StoredOutcome | undefined, msgId: string | undefined): CallStep[] {
  return calls.map((c, j) => {
    const lastOne = j === calls.length - 1;
    const next = nextOf(c, lastOne, outcome);
    return {
      kind: 'call',
      at: iso(c.at),
      attempt: j + 1,
      account: c.account,
      recipients: c.runs.reduce((n, [a, b]) => n + b - a + 1, 0),
      verdict: c.verdict,
      code: c.code,
      reason: c.reason,
      next,
      ...(next === 'sent' && msgId !== undefined ? { msgId } : {}),
    };
  });
}

function nextOf(c: LoggedCall, last: boolean, outcome: StoredOutcome | undefined): CallNext {
  const settledHere = last && outcome !== undefined;
  switch (c.verdict) {
    case 'accepted':
      if (!settledHere) return 'retried';
      return outcome[0] === 's' ? 'sent' : outcome[0] === 'u' ? 'unknown' : 'failed';
    case 'transient':
      return 'retried';
    case 'clock-skew':
      return 'retried-at-once';
    case 'number-refused':
      return settledHere && outcome[0] === 'f' ? 'failed' : 'split';
    case 'account-stop':
      return 'stopped';
    case 'content-refused':
    case 'permanent':
      return 'failed';
    case 'unknown':
    case 'lost':
      return 'unknown';
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (o[key] !== undefined) out[key] = o[key];
  return out;
}

/** Where the recipient was in its campaign's canary, and its A/B variant (variants.ts's recipientVariant). */
function canaryStep(rec: CampaignRecord, batch: number, index: number): CanaryStep {
  const { plan, state } = rec.canary!;
  const part = batch >= plan.firstBatch ? 'canary' : 'rest';
  const v = rec.variants;
  const variant = recipientVariant(rec, batch, index);
  return {
    kind: 'canary',
    part,
    state,
    ...(variant !== undefined ? { variant: variantName(variant) } : {}),
    ...(v?.winner !== undefined ? { winner: variantName(v.winner), winnerBy: v.plan.winnerBy } : {}),
  };
}
