import type { Context } from '../shared/context';
import { SmsqError } from '../shared/errors';
import { settleIdleBatches } from '../shared/settle-idle-batches';
import type { CampaignInfo, RecipientResult } from '../shared/types';

export async function getCampaign(ctx: Context, campaignId: string): Promise<CampaignInfo> {
  const info = await ctx.campaigns.info(campaignId, await ctx.queues.batches.isPaused());
  if (!info) throw notFound(campaignId);
  return info;
}

/** Streams one record per recipient, in the order they were queued. */
export async function* campaignResults(ctx: Context, campaignId: string): AsyncGenerator<RecipientResult> {
  const rec = await ctx.campaigns.read(campaignId);
  if (!rec) throw notFound(campaignId);
  yield* ctx.campaigns.results(campaignId, rec.batches);
}

/**
 * Cancels a campaign: once this returns, no call of it starts (every call checks the state atomically
 * before it is sent), and its unsent recipients are `cancelled`. Calls already in flight finish.
 */
export async function cancelCampaign(ctx: Context, campaignId: string): Promise<CampaignInfo> {
  const t = await ctx.campaigns.transition(campaignId, ['queued', 'running'], 'cancelled', { cancelledAt: String(Date.now()) });
  if (t === 'missing') throw notFound(campaignId);
  if (t !== 'ok' && t !== 'cancelled') {
    throw new SmsqError('CAMPAIGN_FINISHED', `Campaign ${campaignId} has already ended (${t}); there is nothing to cancel.`);
  }
  if (t === 'ok') await ctx.webhooks.emit(campaignId, 'campaign.cancelled', {});
  const rec = await ctx.campaigns.read(campaignId);
  if (rec) await settleIdleBatches(ctx, campaignId, rec.batches, ['c']);
  ctx.log.info({ campaignId }, 'campaign cancelled');
  return getCampaign(ctx, campaignId);
}

export function notFound(campaignId: string): SmsqError {
  return new SmsqError('CAMPAIGN_NOT_FOUND', `No campaign ${campaignId} (never queued, or its results have expired).`);
}
