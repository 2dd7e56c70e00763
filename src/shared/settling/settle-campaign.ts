import { settledRecipients } from '../webhooks/emitter';
import type { CampaignRecord } from '../campaign/record';
import type { Context } from '../context';
import type { IndexEntry } from '../delivery/msgid-index';
import type { DeliveryReport } from '../delivery/report';
import type { GatewayQueries, SentRecord } from '../gateway/queries';
import { jobIds } from '../redis/keys';
import { DEFAULT_PRIORITY, queueBatches } from '../campaign/lanes';
import { settledCount } from '../batch/outcomes';
import { readSentRecords } from './sent-records';
import type { StoredOutcome } from '../types';

/**
 * What one settling of a campaign did: `smsq settle` returns it, and the automatic settle job logs it.
 * Settling = reading the gateway's own records (getSentRcd) to turn `unknown` recipients into `sent` or `not-sent`.
 */
export interface SettleResult {
  campaignId: string;
  /** Recipients that were `unknown` when settling started. */
  unknown: number;
  /** Found in the gateway's records: now `sent`, with the msgId the gateway gave. */
  sent: number;
  /** Not in the gateway's records although it had SMS_SETTLE_AFTER_MS to record them: now `not-sent`. */
  notSent: number;
  /** Left `unknown`: their call is younger than SMS_SETTLE_AFTER_MS; settle again later. */
  tooRecent: number;
  /** With `resend`: recipients queued again. */
  resent: number;
  /** The time windows of the gateway's records that were read, and how many rows they held. */
  windows: Array<{ start: string; end: string }>;
  recordsRead: number;
}

/** The gateway's clock and ours may differ, and it records a message a little after our call starts. */
const WINDOW_MARGIN_MS = 5 * 60_000;

interface Unknown {
  batch: number;
  index: number;
  number: string;
  calledAt: number;
}

/** Every batch of the campaign has been counted into it: nothing is pending, only `unknown` may be left to settle. */
export function allCounted(rec: CampaignRecord): boolean {
  return settledCount(rec.counts) >= rec.total;
}

/** The resend round whose batches are not all counted yet, if there is one: its jobs are (or must be) queued, nothing to settle. */
export function resendUnderWay(rec: CampaignRecord): number | undefined {
  return rec.state === 'running' && !allCounted(rec) ? rec.resendRound : undefined;
}

/**
 * Settles a campaign's `unknown` recipients from the gateway's own records (getSentRcd): a number the gateway
 * recorded in the window of its call is `sent` with that msgId; one it did not record, once it has had time
 * to, is `not-sent`. Never resends: see resendNotSent. The caller holds the campaign's settle lock
 * (settle-lock.ts), so `smsq settle` and the automatic settle job never work on one campaign at once.
 * Throws GATEWAY_QUERY_FAILED when the records cannot be read; nothing is changed then.
 */
export async function settleUnknowns(
  ctx: Context,
  queries: GatewayQueries,
  campaignId: string,
  rec: CampaignRecord,
): Promise<SettleResult> {
  const result: SettleResult = { campaignId, unknown: 0, sent: 0, notSent: 0, tooRecent: 0, resent: 0, windows: [], recordsRead: 0 };
  const createdAt = rec.createdAt;
  const unknowns: Unknown[] = [];
  for (let k = 0; k < rec.batches; k++) {
    const batch = await ctx.batches.load(campaignId, k);
    if (!batch) continue;
    for (const [index, o] of batch.outcomes) {
      if (o[0] === 'u') unknowns.push({ batch: k, index, number: batch.recipients[index].number, calledAt: o[3] ?? createdAt });
    }
  }
  result.unknown = unknowns.length;
  if (unknowns.length > 0) await settleFromRecords(ctx, queries, campaignId, unknowns, result);
  return result;
}

async function settleFromRecords(
  ctx: Context,
  queries: GatewayQueries,
  campaignId: string,
  unknowns: Unknown[],
  result: SettleResult,
): Promise<void> {
  const now = Date.now();
  const wanted = new Set(unknowns.map((u) => u.number));
  const candidates = new Map<string, SentRecord[]>();
  const span = spanOf(unknowns, now);
  const read = await readSentRecords(queries, span.start, span.end, (rows) => {
    for (const r of rows) {
      const number = r.number.replace(/\D/g, '');
      if (wanted.has(number)) candidates.set(number, [...(candidates.get(number) ?? []), r]);
    }
  });
  result.windows.push(...read.windows);
  result.recordsRead += read.recordsRead;
  // A msgId we already know belongs to a recipient of ours that was sent (this campaign or another): not a candidate.
  const all = [...candidates.values()].flat();
  const known = await ctx.delivery.index.lookup(all.map((r) => r.msgId));
  const taken = new Set(all.filter((_, i) => known[i] !== null).map((r) => r.msgId));

  const outcomes = new Map<number, Map<number, StoredOutcome>>();
  const entries: IndexEntry[] = [];
  const failedAtGateway: DeliveryReport[] = [];
  const settleMs = ctx.config.settling.settleAfterMs;
  for (const u of unknowns) {
    const pick = nearest(
      (candidates.get(u.number) ?? []).filter((r) => !taken.has(r.msgId)),
      u.calledAt,
    );
    let outcome: StoredOutcome | null = null;
    if (pick) {
      taken.add(pick.msgId);
      outcome = ['s', pick.msgId];
      entries.push({
        msgId: pick.msgId,
        campaignId,
        batch: u.batch,
        index: u.index,
        number: u.number,
        sentAt: pick.receiveTime ?? u.calledAt,
      });
      // Status 2: the gateway took it but failed it; it was sent, and it was not delivered.
      if (pick.rawStatus === '2')
        failedAtGateway.push({ msgId: pick.msgId, state: 'x', at: pick.receiveTime ?? now, code: '2', reason: 'failed (getSentRcd)' });
      result.sent++;
    } else if (now - u.calledAt >= settleMs) {
      outcome = ['n', `not in the gateway's sent records (getSentRcd) for the time of its call, ${new Date(u.calledAt).toISOString()}`];
      result.notSent++;
    } else result.tooRecent++;
    if (outcome) {
      const forBatch = outcomes.get(u.batch) ?? new Map<number, StoredOutcome>();
      forBatch.set(u.index, outcome);
      outcomes.set(u.batch, forBatch);
    }
  }
  for (const [batch, o] of outcomes) {
    if ((await ctx.batches.reconcile(campaignId, batch, o)) === 0) continue;
    // The batch's outcomes changed after its recipients.settled: a later one (higher seq) supersedes it.
    const record = await ctx.batches.load(campaignId, batch);
    if (record)
      await ctx.webhooks.emit(campaignId, 'recipients.settled', {
        batch,
        recipients: settledRecipients(record.recipients, record.outcomes),
      });
  }
  await ctx.delivery.indexEntries(entries);
  if (failedAtGateway.length > 0) await ctx.delivery.record(failedAtGateway, 'poll');
}

/** The record of the number closest in time to our call. */
function nearest(records: SentRecord[], calledAt: number): SentRecord | undefined {
  let best: SentRecord | undefined;
  for (const r of records) {
    if (!best || Math.abs((r.receiveTime ?? calledAt) - calledAt) < Math.abs((best.receiveTime ?? calledAt) - calledAt)) best = r;
  }
  return best;
}

/** The span of the unknown calls, with margins, up to now; readSentRecords cuts it into windows getSentRcd accepts. */
function spanOf(unknowns: Unknown[], now: number): { start: number; end: number } {
  let first = Infinity;
  let last = -Infinity;
  for (const u of unknowns) {
    first = Math.min(first, u.calledAt);
    last = Math.max(last, u.calledAt);
  }
  return { start: first - WINDOW_MARGIN_MS, end: Math.min(now, last + WINDOW_MARGIN_MS) };
}

/** Makes every `not-sent` recipient pending again and queues its batch; returns how many. */
export async function resendNotSent(ctx: Context, campaignId: string, batches: number): Promise<number> {
  // Counted batches hold every `not-sent` outcome (settling runs once all are counted): none, no new round.
  if (((await ctx.campaigns.read(campaignId))?.counts.notSent ?? 0) === 0) return 0;
  const round = await ctx.campaigns.startResendRound(campaignId);
  let reopened = 0;
  for (let k = 0; k < batches; k++) reopened += await ctx.batches.reopen(campaignId, k, round);
  if (reopened > 0) {
    await queueReopened(ctx, campaignId, batches, round);
    ctx.log.info({ campaignId, reopened, round }, 'not-sent recipients queued again');
  }
  return reopened;
}

/** Adds the resend round's job for every batch not finished; job ids make a second call add nothing. */
export async function queueReopened(ctx: Context, campaignId: string, batches: number, round: number): Promise<void> {
  const p = ctx.redis.pipeline();
  for (let k = 0; k < batches; k++) p.hget(ctx.keys.batch(campaignId, k), 'st');
  const states = (await p.exec()) ?? [];
  const open = states.flatMap(([, st], k) => (st === 'done' ? [] : [k]));
  const priority = (await ctx.campaigns.read(campaignId))?.priority ?? DEFAULT_PRIORITY;
  await queueBatches(ctx, campaignId, open, priority, (k) => jobIds.resend(campaignId, k, round));
}
