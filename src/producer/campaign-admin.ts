import type { Context } from '../shared/context';
import { maxCostMicros } from './budget-check';
import { SmsqError } from '../shared/errors';
import { settleIdleBatches } from '../shared/settle-idle-batches';
import type { CampaignInfo, RecipientResult } from '../shared/types';

export async function getCampaign(ctx: Context, campaignId: string): Promise<CampaignInfo> {
  const info = await ctx.campaigns.info(campaignId, await ctx.queues.batches.isPaused());
  if (!info) throw notFound(campaignId);
  return info;
}

export interface ResultsOptions {
  /** Add each recipient's text (`content`), rendered from the template for a personalised campaign. */
  withContent?: boolean;
}

/** Streams one record per recipient, in the order they were queued. */
export async function* campaignResults(ctx: Context, campaignId: string, opts: ResultsOptions = {}): AsyncGenerator<RecipientResult> {
  const rec = await ctx.campaigns.read(campaignId);
  if (!rec) throw notFound(campaignId);
  yield* ctx.campaigns.results(campaignId, rec.batches, opts.withContent ? rec : undefined);
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
  const rec = await ctx.campaigns.read(campaignId);
  if (rec) await settleIdleBatches(ctx, campaignId, rec.batches, ['c']);
  ctx.log.info({ campaignId }, 'campaign cancelled');
  return getCampaign(ctx, campaignId);
}

/**
 * Sets a campaign's budget cap (null removes it), e.g. to raise it after the campaign was paused for reaching it;
 * resuming the campaign is a separate step.
 */
export async function setMaxCost(ctx: Context, campaignId: string, maxCost: number | null): Promise<CampaignInfo> {
  let micros: number | null = null;
  if (maxCost !== null) {
    const m = maxCostMicros(maxCost);
    if (typeof m === 'string') throw new SmsqError('VALIDATION_FAILED', `maxCost: ${m}`, { fields: { maxCost: m } });
    micros = m;
  }
  if (!(await ctx.campaigns.setMaxCost(campaignId, micros))) throw notFound(campaignId);
  ctx.log.info({ campaignId, maxCost }, 'campaign budget cap changed');
  return getCampaign(ctx, campaignId);
}

export function notFound(campaignId: string): SmsqError {
  return new SmsqError('CAMPAIGN_NOT_FOUND', `No campaign ${campaignId} (never queued, or its results have expired).`);
}
