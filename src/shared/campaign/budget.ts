/**
 * Budget caps (`maxCost`): a campaign whose reported cost — the sum of its delivery reports' prices — reaches its
 * cap is paused, not failed, so that an operator may raise the cap and resume it. The cap is one amount, held in
 * millionths like every cost here; a campaign billed in several currencies is paused when any of them reaches it.
 */
import { LIFECYCLE } from './lifecycle';
import type { CampaignStore } from './store';
import { formatMicros } from '../delivery/money';
import type { Logger } from '../logger';

/** Pauses each of these campaigns whose reported cost has reached its cap; returns the ids paused. */
export async function pauseOverBudget(
  campaigns: CampaignStore,
  log: Logger,
  campaignIds: Iterable<string>,
): Promise<Array<{ campaignId: string; reason: string }>> {
  const paused: Array<{ campaignId: string; reason: string }> = [];
  for (const id of campaignIds) {
    const cap = await campaigns.maxCost(id);
    if (cap === null) continue;
    const rec = await campaigns.read(id);
    if (!rec || (rec.state !== 'queued' && rec.state !== 'running')) continue;
    const reached = Object.entries(rec.delivery.cost).find(([, micros]) => micros >= cap);
    if (!reached) continue;
    const [currency, cost] = reached;
    const pauseReason = `reported cost ${formatMicros(cost)} ${currency} reached maxCost ${formatMicros(cap)}`;
    const t = await campaigns.transition(id, LIFECYCLE.budgetPause, { pausedBy: 'budget', pauseReason, pausedAt: String(Date.now()) });
    if (t === 'ok') {
      log.warn({ campaignId: id, currency }, `campaign paused: ${pauseReason}; raise its maxCost and resume it to go on`);
      paused.push({ campaignId: id, reason: pauseReason });
    }
  }
  return paused;
}
