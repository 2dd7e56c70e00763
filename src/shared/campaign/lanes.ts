import type { Context } from '../context';
import { jobIds } from '../redis/keys';
import { batchJobOptions, JOB_NAMES } from '../queues';

/**
 * Lanes: every campaign sends in the lane of its priority. A batch of a higher lane always starts before any
 * waiting batch of a lower one (BullMQ's prioritized jobs); within a lane, campaigns take turns, because each
 * campaign has only a few batch jobs waiting at a time (see `releaseAhead`).
 */
export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const DEFAULT_PRIORITY: Priority = 'normal';

/**
 * BullMQ's priority for a lane. Never 0: a job without priority goes to BullMQ's plain wait list, which is
 * served before every prioritized job, and would jump all lanes.
 */
export const BULLMQ_PRIORITY: Readonly<Record<Priority, number>> = Object.freeze({ high: 1, normal: 2, low: 3 });

export function isPriority(value: unknown): value is Priority {
  return typeof value === 'string' && (PRIORITIES as readonly string[]).includes(value);
}

/** A campaign's lane as stored; campaigns queued before lanes existed have none and send as `normal`. */
export function priorityOf(stored: string | undefined): Priority {
  return isPriority(stored) ? stored : DEFAULT_PRIORITY;
}

/**
 * Adds the send jobs of these batches, in the campaign's lane. `jobId` defaults to the batch's own id, which
 * makes a repeated add a no-op in BullMQ: releasing twice (a re-run after a crash) never queues a batch twice.
 */
export async function queueBatches(
  ctx: Context,
  campaignId: string,
  batches: number[],
  priority: Priority,
  jobId: (batch: number) => string = (k) => jobIds.batch(campaignId, k),
): Promise<void> {
  if (batches.length === 0) return;
  const opts = { ...batchJobOptions(ctx.config), priority: BULLMQ_PRIORITY[priority] };
  await ctx.queues.batches.addBulk(
    batches.map((batch) => ({ name: JOB_NAMES.send, data: { campaignId, batch }, opts: { ...opts, jobId: jobId(batch) } })),
  );
}

/**
 * The batches a campaign has waiting at first: 0 … SMS_RELEASE_AHEAD − 1. Each batch, when it starts, releases
 * the one `releaseAhead` places after it, so a campaign keeps that many batches waiting however many workers take
 * them, and a campaign queued later waits behind a few batches of each campaign in its lane, not behind all of
 * them. Batch k is released only by the start of batch k − ahead (or by the split job): one owner per batch.
 */
export function initialRelease(batches: number, ahead: number): number[] {
  return Array.from({ length: Math.min(batches, ahead) }, (_, k) => k);
}

/** The batch that the start of `batch` releases, if there is one. */
export function releasedBy(batch: number, batches: number, ahead: number): number | null {
  const next = batch + ahead;
  return next < batches ? next : null;
}
