import type { Context } from '../../shared/context';
import { SmsqError } from '../../shared/errors';
import type { AccountQueries } from '../../shared/accounts/account-queries';
import {
  allCounted,
  queueReopened,
  resendNotSent,
  resendUnderWay,
  settleUnknowns,
  type SettleResult,
} from '../../shared/settling/settle-campaign';
import { completeIfSettled } from '../../shared/settling/complete';
import { withSettleLock } from '../../shared/settling/settle-lock';
import { notFound } from './campaign-admin';

export type { SettleResult } from '../../shared/settling/settle-campaign';

export interface SettleOptions {
  /** Queue the `not-sent` recipients again (their batches get a new job). Default false. */
  resend?: boolean;
}

/** How long `smsq settle` waits for an automatic settling of the same campaign to finish. */
const LOCK_WAIT_MS = 30_000;

/**
 * `smsq settle`: settles a campaign's `unknown` recipients from the gateway's records (shared/settling), and
 * with `resend` queues the `not-sent` ones again. Never resends what the gateway's records show. A campaign
 * whose batches are all counted but which still has `unknown` recipients (automatic settling pending) may be
 * settled by hand; the settle lock keeps this run and the automatic one apart.
 */
export async function settleCampaign(
  ctx: Context,
  queries: AccountQueries,
  campaignId: string,
  opts: SettleOptions = {},
): Promise<SettleResult> {
  const locked = await withSettleLock(ctx, campaignId, LOCK_WAIT_MS, async () => {
    const rec = await ctx.campaigns.read(campaignId);
    if (!rec) throw notFound(campaignId);
    const resending = resendUnderWay(rec);
    if ((rec.state === 'queued' || rec.state === 'running' || rec.state === 'paused') && resending === undefined && !allCounted(rec)) {
      throw new SmsqError('CAMPAIGN_ACTIVE', `Campaign ${campaignId} is still sending (${rec.state}); settle it once it has ended.`);
    }
    if (opts.resend && (rec.state === 'cancelled' || rec.state === 'failed')) {
      throw new SmsqError(
        'CAMPAIGN_NOT_RESENDABLE',
        `Campaign ${campaignId} was ${rec.state}; its not-sent recipients are not sent again.`,
      );
    }
    if (opts.resend && rec.notSentResentBy !== undefined) {
      throw new SmsqError(
        'CAMPAIGN_NOT_RESENDABLE',
        `Campaign ${campaignId}'s not-sent recipients were resent in campaign ${rec.notSentResentBy} (smsq resend); resending them here too would text them twice. Settle without --resend.`,
      );
    }
    if (resending !== undefined) {
      // A resend is under way (or was interrupted before its jobs were queued): make sure every reopened batch has its job.
      await queueReopened(ctx, campaignId, rec.batches, resending);
      return { campaignId, unknown: 0, sent: 0, notSent: 0, tooRecent: 0, resent: 0, windows: [], recordsRead: 0 };
    }
    const result = await settleUnknowns(ctx, queries, campaignId, rec);
    if (opts.resend) result.resent = await resendNotSent(ctx, campaignId, rec.batches);
    // A campaign kept running for automatic settling ends here when nothing is left to settle or send: without
    // --resend, the operator chose to leave its not-sent recipients so (the settle job then resends nothing).
    if (result.resent === 0) await completeIfSettled(ctx, campaignId);
    ctx.log.info({ ...result, windows: undefined }, 'unknown recipients settled from the gateway records');
    return result;
  });
  if (!locked)
    throw new SmsqError(
      'RECONCILE_BUSY',
      `Campaign ${campaignId} is being settled by a worker's automatic settling right now; try again in a minute.`,
    );
  return locked.value;
}
