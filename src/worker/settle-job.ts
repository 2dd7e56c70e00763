import { DelayedError } from 'bullmq';
import type { CampaignRecord } from '../shared/campaign/record';
import type { Context } from '../shared/context';
import { SmsqError } from '../shared/errors';
import type { AccountQueries } from '../shared/accounts/account-queries';
import { jobIds } from '../shared/redis/keys';
import { metrics } from '../shared/metrics';
import { JOB_NAMES, type JobOf } from '../shared/queues';
import { completeIfSettled } from '../shared/settling/complete';
import { accountFailure, allCounted, resendNotSent, settleUnknowns } from '../shared/settling/settle-campaign';
import { withSettleLock } from '../shared/settling/settle-lock';
import type { SettleJobResult } from '../shared/types';

/**
 * Automatic resends per campaign: each round resends the `not-sent` recipients once; a recipient the gateway
 * still has no record of after this many rounds stays `not-sent` (something keeps cutting its calls off).
 */
export const MAX_AUTO_RESEND_ROUNDS = 3;

/** A settle job that finds `smsq settle` at work on its campaign looks again this much later. */
const LOCK_BUSY_RETRY_MS = 5_000;

/**
 * Schedules the settling of a campaign's `unknown` recipients SMS_SETTLE_AFTER_MS from now. The job id is the
 * campaign's and its resend round's, so every batch of the round that ends with `unknown` recipients adds one
 * job between them (BullMQ ignores an add whose id exists).
 */
export async function scheduleSettle(ctx: Context, campaignId: string): Promise<void> {
  if (!ctx.config.settling.autoSettle) return;
  const round = await ctx.campaigns.resendRounds(campaignId);
  await ctx.queues.settle.add(
    JOB_NAMES.settle,
    { campaignId, round },
    { jobId: jobIds.settle(campaignId, round), delay: ctx.config.settling.settleAfterMs },
  );
}

/**
 * The settle job: the settling `smsq settle` does (shared/settling), for one campaign, under the same lock.
 * It stays (delayed, no attempt used) while the campaign still sends or calls are too recent to judge, and
 * settles the whole round at its end; then, with SMS_AUTO_RESEND, it queues the `not-sent` recipients again, unless the
 * campaign was cancelled or failed meanwhile (an expired campaign has no record: nothing to do), and otherwise
 * completes the campaign. When getSentRcd cannot be read, the recipients stay `unknown`, the campaign's
 * `settleError` says why, and the job fails its attempt: BullMQ retries it with backoff. Each account's recipients
 * are settled from its own records: when one account's cannot be read, the others' are settled first, and the
 * attempt then fails naming that account.
 */
export async function settleJob(ctx: Context, queries: AccountQueries, job: JobOf<'settle'>, token?: string): Promise<SettleJobResult> {
  const { campaignId } = job.data;
  const log = ctx.log.child({ campaignId, round: job.data.round, component: 'settle' });
  const empty: SettleJobResult = { campaignId, unknown: 0, sent: 0, notSent: 0, resent: 0, completed: false };
  if (!ctx.config.settling.autoSettle) return { ...empty, skipped: 'off' };
  const run = await withSettleLock(ctx, campaignId, 0, async (): Promise<SettleJobResult | 'wait'> => {
    const rec = await ctx.campaigns.read(campaignId);
    if (!rec) return { ...empty, skipped: 'missing' };
    // While the round still sends, its batches are not read at every wake-up: the round is settled once, at its end.
    if (!isEnded(rec) && !allCounted(rec)) return 'wait';
    let settled;
    try {
      settled = await settleUnknowns(ctx, queries, campaignId, rec);
      // Some accounts' records unreadable: the others' recipients are settled, these wait for the retry.
      const partly = accountFailure(settled);
      if (partly) throw partly;
    } catch (err) {
      if (!(err instanceof SmsqError) || err.code !== 'GATEWAY_QUERY_FAILED') throw err;
      metrics.settleRuns.labels('query-failed').inc();
      metrics.settleFailures.labels(String(err.details?.failure ?? 'other')).inc();
      await ctx.campaigns.setSettleError(campaignId, `${err.message} (at ${new Date().toISOString()})`);
      log.error(
        { attempt: job.attemptsMade + 1 },
        `automatic settling could not read the gateway's records, so ${campaignId}'s unknown recipients stay unknown; will retry: ${err.message}`,
      );
      throw err;
    }
    if (settled.unknown > 0) {
      await ctx.campaigns.setSettleError(campaignId, null);
      metrics.settleRuns.labels('settled').inc();
      log.info(
        { unknown: settled.unknown, sent: settled.sent, notSent: settled.notSent, tooRecent: settled.tooRecent },
        'unknown recipients settled from the gateway records',
      );
    }
    const now = await ctx.campaigns.read(campaignId);
    if (!now) return { ...empty, skipped: 'missing' };
    const ended = isEnded(now);
    // Still sending this round, calls too recent to judge, or a batch with unknown recipients counted while this
    // run read the others: look again later, so that the round is settled whole.
    const unknownLeft = now.counts.unknown > 0;
    if (settled.tooRecent > 0 || (!ended && (!allCounted(now) || unknownLeft))) return 'wait';
    const result: SettleJobResult = { ...empty, unknown: settled.unknown, sent: settled.sent, notSent: settled.notSent };
    const rounds = now.resendRounds;
    if (ctx.config.settling.autoResend && !ended && now.state !== 'completed' && rounds < MAX_AUTO_RESEND_ROUNDS) {
      result.resent = await resendNotSent(ctx, campaignId, now.batches);
      if (result.resent > 0) metrics.settleRuns.labels('resent').inc();
    }
    if (result.resent === 0 && (await completeIfSettled(ctx, campaignId)) === 'completed') {
      result.completed = true;
      metrics.settleRuns.labels('completed').inc();
      log.info('campaign completed: no unknown recipient left');
    }
    return result;
  });
  if (run === null || run.value === 'wait') {
    if (run !== null) metrics.settleRuns.labels('waiting').inc();
    await job.moveToDelayed(Date.now() + (run === null ? LOCK_BUSY_RETRY_MS : Math.max(1_000, ctx.config.settling.settleAfterMs)), token);
    throw new DelayedError();
  }
  return run.value;
}

/** Cancelled or failed: its unknown recipients are settled, and nothing of it is sent again. */
function isEnded(rec: CampaignRecord): boolean {
  return rec.state === 'cancelled' || rec.state === 'failed';
}
