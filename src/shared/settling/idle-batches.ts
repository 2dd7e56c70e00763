import { endStaging } from '../campaign/staging';
import type { Context } from '../context';
import type { StoredOutcome } from '../types';

const ENDINGS: Partial<Record<string, string>> = { c: 'was cancelled', e: 'reached its expireAt', f: 'failed' };

/**
 * Gives `outcome` to every recipient without one in the campaign's batches that no run is calling for now, and
 * counts those batches in. Used when a campaign ends early (cancelled, content refused), so that it settles
 * at once, even while the queue is paused. A batch with a call in flight is left to its job: the call's
 * start was checked against the campaign state, and the job settles the rest when the call ends.
 */
export async function settleIdleBatches(ctx: Context, campaignId: string, batches: number, outcome: StoredOutcome): Promise<void> {
  // A campaign still being staged takes no more batches: it ends with those written (see campaign/staging.ts).
  await endStaging(ctx, campaignId, `the campaign ${ENDINGS[outcome[0]] ?? 'ended'} while it was being staged`);
  // Settling sends nothing: a record whose schedule or window cannot be read may still be cancelled.
  const campaign = await ctx.campaigns.show(campaignId);
  const target = campaign ? await ctx.webhooks.target(campaignId, campaign) : undefined;
  for (let k = 0; k < batches; k++) {
    const batch = await ctx.batches.load(campaignId, k);
    if (!batch || batch.done || batch.inFlight) continue;
    const rest = new Map<number, StoredOutcome>();
    batch.recipients.forEach((_, i) => batch.outcomes.has(i) || rest.set(i, outcome));
    if (!(await ctx.batches.settle(campaignId, k, rest)).ok) continue;
    // Each call's end indexed what it sent; sent outcomes no call wrote (recovered from the gateway's records before
    // the campaign was queued) are indexed here, so that their reports are matched like any other.
    if (ctx.config.delivery.tracking) await ctx.delivery.indexSent(campaignId, k, batch.recipients, batch.outcomes);
    const { events } = await ctx.batches.finish(campaignId, k, batch.recipients.length, {
      autoSettle: ctx.config.settling.autoSettle,
      webhooks: target !== undefined,
    });
    if (target && events) await ctx.webhooks.batchFinished(target, k, batch.recipients, new Map([...batch.outcomes, ...rest]), events);
  }
}
