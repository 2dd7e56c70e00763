/**
 * The TypeScript side of the one completion routine (src/shared/redis/scripts/includes/complete-campaign.lua). A
 * campaign completes in one of three ways, each through that routine, which reserves its campaign.completed event
 * (seq and counts) in the same step when its events go to a webhook; WebhookEmitter builds that event in one place:
 * - its last batch is counted (FINISH_BATCH): the event is kept with the batch's recipients.settled, so that a re-run
 *   queues the same one (WebhookEmitter.batchFinished);
 * - settling leaves no recipient unknown (COMPLETE_IF_SETTLED, settling/complete.ts) and
 * - staging ends cut to batches already counted (END_STAGING, staging.ts): both run their script through
 *   runCompletion, which queues the event.
 */
import type { Context } from '../context';
import { splitReply } from '../redis/lua';
import { parseCompletion } from '../webhooks/events';
import { fromStates, LIFECYCLE } from './lifecycle';

/**
 * Runs a script that may complete the campaign, handing it the states it completes from (the lifecycle's `complete`
 * move) and whether to reserve campaign.completed; queues that event, dated `at`, when the script reserved it.
 * Returns the script's answer without the reservation.
 */
export async function runCompletion<Head extends string>(
  ctx: Context,
  campaignId: string,
  at: number,
  run: (completeFrom: string, webhooks: '1' | '') => Promise<Head | `${Head}|${string}`>,
): Promise<Head> {
  const rec = await ctx.campaigns.show(campaignId);
  const target = rec ? await ctx.webhooks.target(campaignId, rec) : undefined;
  const [head, reserved] = splitReply<Head>(await run(fromStates(LIFECYCLE.complete), target ? '1' : ''));
  if (target && reserved !== undefined) await ctx.webhooks.campaignCompleted(target, at, parseCompletion(reserved));
  return head;
}
