import type { AccountStop } from '../accounts/account-state';
import type { Context } from '../context';

export type { AccountStop } from '../accounts/account-state';

/** Stops every worker from taking batches: an operator's pause, and what an account-level stop does. */
export async function pauseSending(ctx: Context): Promise<void> {
  await Promise.all([ctx.queues.batches.pause(), ctx.queues.campaigns.pause()]);
}

/** Resumes sending and clears the recorded stops, the whole queue's and every account's. */
export async function resumeSending(ctx: Context): Promise<void> {
  await ctx.redis.del(ctx.keys.accountStop());
  await ctx.accountStates.clear();
  await Promise.all([ctx.queues.batches.resume(), ctx.queues.campaigns.resume()]);
}

/**
 * Records an account-level stop and pauses the queue. Returns true for the worker that recorded it first,
 * so that one clear error is logged per stop rather than one per batch in flight. That worker also tells the
 * campaign whose batch met the stop (`campaignId`) with a campaign.paused event.
 */
export async function stopAccount(ctx: Context, stop: AccountStop, campaignId?: string): Promise<boolean> {
  const first = (await ctx.redis.set(ctx.keys.accountStop(), JSON.stringify(stop), 'NX')) === 'OK';
  await pauseSending(ctx);
  if (first && campaignId)
    await ctx.webhooks.emit(campaignId, 'campaign.paused', {
      by: 'account',
      code: stop.code,
      reason: `${stop.reason}. To fix: ${stop.operatorAction}`,
    });
  return first;
}

export async function readAccountStop(ctx: Context): Promise<AccountStop | null> {
  const raw = await ctx.redis.get(ctx.keys.accountStop());
  return raw ? (JSON.parse(raw) as AccountStop) : null;
}
