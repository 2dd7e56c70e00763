import type { Context } from '../context';
import { runScript } from '../redis/lua';
import { runCompletion } from '../campaign/completion';
import { COMPLETE_IF_SETTLED, type CompleteResult } from '../batch/scripts';

/**
 * Completes a campaign kept open for settling, once every batch is counted and none of its recipients is `unknown`.
 * The last batch's count held completion back for settling, so its campaign.completed is sent from here instead.
 */
export async function completeIfSettled(ctx: Context, campaignId: string): Promise<CompleteResult> {
  const now = Date.now();
  return runCompletion<CompleteResult>(ctx, campaignId, now, (completeFrom, webhooks) =>
    runScript(
      ctx.redis,
      COMPLETE_IF_SETTLED,
      [ctx.keys.campaign(campaignId)],
      [String(ctx.config.resultRetentionSeconds), String(now), completeFrom, webhooks],
    ),
  );
}
