import { DelayedError, UnrecoverableError } from 'bullmq';
import type { CampaignRecord } from '../shared/campaign/record';
import type { Context } from '../shared/context';
import { initialRelease, queueBatches } from '../shared/campaign/lanes';
import { LIFECYCLE } from '../shared/campaign/lifecycle';
import { settleIdleBatches } from '../shared/settling/idle-batches';
import { JOB_NAMES, type JobOf } from '../shared/queues';
import { jobIds } from '../shared/redis/keys';
import type { CampaignJobResult } from '../shared/types';

/**
 * Starts a queued campaign: releases its first SMS_RELEASE_AHEAD batches into its lane; each batch that starts
 * releases the next (see shared/campaign/lanes.ts), so a campaign of any size puts only a few jobs in the queue at once.
 * Crash-safe without a transaction: batch job ids are deterministic (BullMQ ignores an add whose id exists), so
 * a re-run adds nothing twice. A paused campaign's batches are released too: they are held when they start.
 */
export async function splitCampaign(ctx: Context, job: JobOf<'campaigns'>): Promise<CampaignJobResult> {
  const { campaignId } = job.data;
  const campaign = await ctx.campaigns.read(campaignId);
  if (!campaign) throw new UnrecoverableError(`campaign ${campaignId} has no record (expired or deleted)`);
  await holdUntilSendAt(ctx, job, campaign);
  const startedAt = Date.now();
  const moved = await ctx.campaigns.transition(campaignId, LIFECYCLE.start, { startedAt: String(startedAt) });
  // A cancelled or failed campaign was settled whole by whoever ended it: nothing to send.
  if (moved === 'cancelled' || moved === 'failed') return { batches: campaign.batches };
  // A re-run after a crash finds `startedAt` and queues the same campaign.started again (same id, same bytes).
  const target = await ctx.webhooks.target(campaignId, campaign);
  const at = moved === 'ok' ? startedAt : campaign.startedAt;
  if (target && at) await ctx.webhooks.started(target, at);
  const canary = campaign.canary;
  if (canary && canary.state !== 'released') {
    // The canary's batches (the campaign's last) go alone; the canary check job releases the others if its gates hold.
    const first = canary.plan.firstBatch;
    const release = initialRelease(campaign.batches - first, ctx.config.releaseAhead).map((j) => first + j);
    await queueBatches(ctx, campaignId, release, campaign.priority);
    await ctx.queues.campaigns.add(JOB_NAMES.canary, { campaignId }, { jobId: jobIds.canary(campaignId), delay: 1_000 });
    return { batches: campaign.batches };
  }
  await queueBatches(ctx, campaignId, initialRelease(campaign.batches, ctx.config.releaseAhead), campaign.priority);
  return { batches: campaign.batches };
}

/**
 * A split job that starts before its campaign's sendAt sends nothing: it goes back to the delayed set until then,
 * using no attempt. smsq delays the job to sendAt itself (and moves it on a reschedule); this is for a job run
 * early by anything else — promoted from a dashboard, or added or changed by whoever can write to Redis. The
 * campaign's own record decides, judged on the context's clock as the schedule was.
 */
async function holdUntilSendAt(ctx: Context, job: JobOf<'campaigns'>, campaign: CampaignRecord): Promise<void> {
  // Paused before it started counts too: its batches would be parked, then sent at its resume.
  if (campaign.startedAt !== undefined || campaign.sendAt === undefined || !['scheduled', 'paused', 'queued'].includes(campaign.state))
    return;
  const early = campaign.sendAt - ctx.clock.now();
  if (early <= 0) return;
  ctx.log.warn(
    { campaignId: job.data.campaignId, sendAt: new Date(campaign.sendAt).toISOString() },
    "split job started before its campaign's sendAt (promoted or added from outside smsq): nothing sent, delayed again until sendAt",
  );
  await job.moveToDelayed(Date.now() + early, job.token);
  throw new DelayedError();
}

/**
 * At a campaign's expireAt: every recipient not sent by then ends `expired` — in batches not yet released, waiting
 * for a retry or for their window alike (their jobs find them settled). A batch with a call in flight settles its
 * own rest: its next call would be refused past expireAt.
 */
export async function expireCampaign(ctx: Context, job: JobOf<'campaigns'>): Promise<CampaignJobResult> {
  const campaign = await ctx.campaigns.read(job.data.campaignId);
  if (!campaign || !['scheduled', 'queued', 'running', 'paused'].includes(campaign.state)) return { batches: 0 };
  await settleIdleBatches(ctx, job.data.campaignId, campaign.batches, ['e']);
  ctx.log.info({ campaignId: job.data.campaignId }, 'campaign reached its expireAt: unsent recipients expired');
  return { batches: campaign.batches };
}
