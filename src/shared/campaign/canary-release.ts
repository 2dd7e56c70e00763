import type { Context } from '../context';
import { initialRelease, queueBatches } from './lanes';
import type { CampaignRecord } from './record';

/** Marks the canary released and queues the campaign's other batches (also what resuming a stopped canary does). */
export async function releaseRest(
  ctx: Context,
  campaignId: string,
  campaign: Pick<CampaignRecord, 'canary' | 'priority'>,
  fields: Record<string, string> = {},
): Promise<void> {
  if (!campaign.canary) return;
  await ctx.redis.hset(ctx.keys.campaign(campaignId), { ...fields, canaryState: 'released' });
  await queueBatches(ctx, campaignId, initialRelease(campaign.canary.plan.firstBatch, ctx.config.releaseAhead), campaign.priority);
}
