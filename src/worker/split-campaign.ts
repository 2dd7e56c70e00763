import { Job, UnrecoverableError } from 'bullmq';
import type { Context } from '../shared/context';
import { jobIds } from '../shared/keys';
import { batchJobOptions, JOB_NAMES } from '../shared/queues';
import type { CampaignJobData, CampaignJobResult } from '../shared/types';

/** Batch jobs added per round trip. Small enough that the first batches start sending at once. */
const SPLIT_GROUP = 100;

/**
 * Turns a queued campaign into its batch jobs. Crash-safe without a transaction: batch job ids are
 * deterministic (BullMQ ignores an add whose id exists), and the cursor saved after each group lets a re-run
 * resume where the last one got to; a batch job that runs twice finds its record settled and sends nothing.
 */
export async function splitCampaign(ctx: Context, job: Job<CampaignJobData, CampaignJobResult>): Promise<CampaignJobResult> {
  const { campaignId } = job.data;
  const campaign = await ctx.campaigns.read(campaignId);
  if (!campaign) throw new UnrecoverableError(`campaign ${campaignId} has no record (expired or deleted)`);
  const startedAt = Date.now();
  const moved = await ctx.campaigns.transition(campaignId, ['queued'], 'running', { startedAt: String(startedAt) });
  // A re-run after a crash finds `startedAt` and queues the same campaign.started again (same id, same bytes).
  const target = ctx.webhooks.target(campaignId, campaign.fields);
  const at = moved === 'ok' ? startedAt : Number(campaign.fields.startedAt);
  if (target && at) await ctx.webhooks.started(target, at);
  const opts = batchJobOptions(ctx.config);
  let next = Number(campaign.fields.split ?? 0);
  if (next > 0) ctx.log.info({ campaignId, next, batches: campaign.batches }, 'resuming an interrupted split');
  while (next < campaign.batches) {
    const end = Math.min(next + SPLIT_GROUP, campaign.batches);
    const jobs = [];
    for (let batch = next; batch < end; batch++) {
      jobs.push({ name: JOB_NAMES.send, data: { campaignId, batch }, opts: { ...opts, jobId: jobIds.batch(campaignId, batch) } });
    }
    await ctx.queues.batches.addBulk(jobs);
    await ctx.campaigns.setSplitCursor(campaignId, end);
    next = end;
  }
  return { batches: campaign.batches };
}
