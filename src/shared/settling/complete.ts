import type { Context } from '../context';
import { runScript } from '../lua';
import { COMPLETE_IF_SETTLED } from '../scripts';

/** Completes a campaign kept open for settling, once every batch is counted and none of its recipients is `unknown`. */
export async function completeIfSettled(ctx: Context, campaignId: string): Promise<string> {
  const args = [String(ctx.config.resultRetentionSeconds), String(Date.now())];
  return (await runScript(ctx.redis, COMPLETE_IF_SETTLED, [ctx.keys.campaign(campaignId)], args)) as string;
}
