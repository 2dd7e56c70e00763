/**
 * Whether a campaign that should be sending has stopped moving, and why if that can be told. An estimated time to
 * finish is only true while recipients settle: a campaign whose batch jobs failed outside the outcome table, whose
 * queue is paused or that no worker serves keeps its recipients `pending` and its state `running` for ever, and the
 * console must say so rather than show the last rate's "about 1 s to go".
 */
import type { CampaignRecord } from '../../shared/campaign/record';
import type { Context } from '../../shared/context';
import type { QueueStatus } from './overview';

/** No batch started or finished for this long (or three batch intervals of a capped campaign): stalled. */
export const STALL_AFTER_MS = 60_000;
/** Failed batch job ids read to find a campaign's: the failed set is kept for the retention, ids only are read. */
const FAILED_SCAN = 10_000;

/** A campaign's batch jobs that failed for good (their recipients stay pending until one is retried). */
export interface FailedBatchJobs {
  count: number;
  /** The first one's id and why it failed (BullMQ's failedReason), cut to 300 characters. */
  first?: { jobId: string; reason: string };
}

export interface Stall {
  /** When the campaign last moved: its latest batch start or finish. */
  since: number;
  /** What is known to hold it, in words; empty when nothing is. */
  reasons: string[];
}

/** Failed batch jobs of one campaign: their ids are `b.<campaignId>.<k>` (and resend rounds' below that). */
export async function failedBatchJobs(ctx: Context, campaignId: string): Promise<FailedBatchJobs> {
  const ids = await ctx.redis.zrange(ctx.queues.batches.toKey('failed'), 0, FAILED_SCAN - 1);
  const head = `b.${campaignId}.`;
  // `b.<id>.<k>` or `b.<id>.<k>.r<round>`: a campaign `a` must not count the jobs of a campaign `a.b`.
  const mine = ids.filter((id) => id.startsWith(head) && /^\d+(\.r\d+)?$/.test(id.slice(head.length)));
  if (mine.length === 0) return { count: 0 };
  const reason = (await ctx.queues.batches.getJob(mine[0]))?.failedReason ?? '';
  return { count: mine.length, first: { jobId: mine[0], reason: reason.slice(0, 300) } };
}

/**
 * The stall of a campaign that is queued or running with recipients pending and has not moved for STALL_AFTER_MS
 * (longer for a campaign whose maxRate spaces its batches further apart), or undefined. `lastSettledAt` is the
 * time of its latest progress sample (a batch counted).
 */
export function stallOf(
  now: number,
  record: CampaignRecord | null,
  pending: number,
  lastSettledAt: number | undefined,
  failed: FailedBatchJobs,
  queue: QueueStatus,
): Stall | undefined {
  if (!record || pending === 0 || (record.state !== 'running' && record.state !== 'queued')) return undefined;
  // A canary that holds keeps the rest of the list back by design: the campaign is stalled only if it still has not
  // moved a while after the hold's end (its canary check job lost, say).
  const holdEnd =
    record.canary?.state === 'holding' && record.canary.sentAt !== undefined ? record.canary.sentAt + record.canary.plan.holdMs : 0;
  const since = Math.max(lastSettledAt ?? 0, record.lastBatchAt ?? 0, record.startedAt ?? 0, record.createdAt, holdEnd);
  const batchGap = record.maxRate ? (1000 * Math.ceil(pending / Math.max(1, record.batches))) / record.maxRate : 0;
  if (now - since < Math.max(STALL_AFTER_MS, 3 * batchGap)) return undefined;
  const reasons: string[] = [];
  if (failed.count > 0) {
    reasons.push(
      `${failed.count} batch job${failed.count === 1 ? '' : 's'} failed${failed.first ? ` (first: ${failed.first.reason || 'no reason given'})` : ''}: their recipients stay pending until retried in bull-board (batches → Failed → Retry)`,
    );
  }
  if (queue.accountStop) reasons.push('sending is stopped for the whole account');
  else if (queue.paused) reasons.push('the queue is paused (smsq resume restarts it)');
  if (queue.workers === 0) reasons.push('no worker is connected (start one with smsq worker)');
  return { since, reasons };
}
