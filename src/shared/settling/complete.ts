import type { Context } from '../context';
import { runScript } from '../redis/lua';
import { COMPLETE_IF_SETTLED, type CompleteResult } from '../batch/scripts';

/** Completes a campaign kept open for settling, once every batch is counted and none of its recipients is `unknown`. */
export async function completeIfSettled(ctx: Context, campaignId: string): Promise<CompleteResult> {
  const result = await runScript(ctx.redis, COMPLETE_IF_SETTLED, [ctx.keys.campaign(campaignId)], [String(ctx.config.resultRetentionSeconds), String(Date.now())]);
  // The last batch's count held completion back for settling, so its campaign.completed is sent here instead.
  if (result === 'completed') await emitCompleted(ctx, campaignId);
  return result;
}

/** campaign.completed with the campaign's final counts, for a completion made outside FINISH_BATCH (which reserves its own). */
export async function emitCompleted(ctx: Context, campaignId: string): Promise<void> {
  const rec = await ctx.campaigns.read(campaignId);
  if (!rec) return;
  const { sent, failed, unknown, cancelled, notSent } = rec.counts;
  await ctx.webhooks.emit(campaignId, 'campaign.completed', { counts: { sent, failed, unknown, cancelled, notSent } });
}
