import type { Context } from '../../shared/context';
import { maxCostMicros } from '../budget-check';
import { SmsqError } from '../../shared/errors';
import { releaseRest } from '../../shared/campaign/canary-release';
import { LIFECYCLE } from '../../shared/campaign/lifecycle';
import { jobIds } from '../../shared/redis/keys';
import { checkSendAt } from '../campaign-timing';
import { checkTextCharacters } from '../validate';
import { readAccountStop } from '../../shared/campaign/sending-control';
import { settleIdleBatches } from '../../shared/settling/idle-batches';
import type { CampaignInfo, RecipientResult } from '../../shared/types';

export async function getCampaign(ctx: Context, campaignId: string): Promise<CampaignInfo> {
  const queuePaused = await ctx.queues.batches.isPaused();
  const info = await ctx.campaigns.info(campaignId, queuePaused, queuePaused ? await readAccountStop(ctx) : null);
  if (!info) throw notFound(campaignId);
  return info;
}

export interface ResultsOptions {
  /** Add each recipient's text (`content`), rendered from the template for a personalised campaign. */
  withContent?: boolean;
}

/** Streams one record per recipient, in the order they were queued. */
export async function* campaignResults(ctx: Context, campaignId: string, opts: ResultsOptions = {}): AsyncGenerator<RecipientResult> {
  const rec = await ctx.campaigns.show(campaignId);
  if (!rec) throw notFound(campaignId);
  yield* ctx.campaigns.results(campaignId, rec.batches, opts.withContent ? rec : undefined, rec.linkBase !== undefined, rec);
}

/**
 * Cancels a campaign: once this returns, no call of it starts (every call checks the state atomically
 * before it is sent), and its unsent recipients are `cancelled`. Calls already in flight finish.
 */
export async function cancelCampaign(ctx: Context, campaignId: string): Promise<CampaignInfo> {
  const t = await ctx.campaigns.transition(campaignId, LIFECYCLE.cancel, { cancelledAt: String(Date.now()) });
  if (t === 'missing') throw notFound(campaignId);
  if (t !== 'ok' && t !== 'cancelled') {
    throw new SmsqError('CAMPAIGN_FINISHED', `Campaign ${campaignId} has already ended (${t}); there is nothing to cancel.`);
  }
  if (t === 'ok') await ctx.webhooks.emit(campaignId, 'campaign.cancelled', {});
  const rec = await ctx.campaigns.show(campaignId);
  if (rec) await settleIdleBatches(ctx, campaignId, rec.batches, ['c']);
  // Parked batch jobs find their batches settled when they next start; nothing will resume them.
  await ctx.redis.del(ctx.keys.parked(campaignId));
  ctx.log.info({ campaignId }, 'campaign cancelled');
  return getCampaign(ctx, campaignId);
}

/**
 * Moves a scheduled campaign's start. Only while it is `scheduled`: once its split job has run it is sending.
 * The split job is delayed again (or promoted, for a time already past) in the same queue, so the new time
 * survives restarts as the first did.
 */
export async function rescheduleCampaign(ctx: Context, campaignId: string, sendAt: string | Date): Promise<CampaignInfo> {
  const at = checkSendAt(sendAt, ctx.clock.now());
  if (typeof at === 'string') throw new SmsqError('VALIDATION_FAILED', `sendAt: ${at}`, { fields: { sendAt: at } });
  const t = await ctx.campaigns.transition(campaignId, LIFECYCLE.reschedule, { sendAt: String(at) });
  if (t === 'missing') throw notFound(campaignId);
  if (t !== 'ok')
    throw new SmsqError(
      'CAMPAIGN_STARTED',
      `Campaign ${campaignId} is ${t}, not scheduled: only a campaign that has not started can be rescheduled.`,
    );
  const job = await ctx.queues.campaigns.getJob(jobIds.campaign(campaignId));
  const delay = at - ctx.clock.now();
  if (job && (await job.isDelayed())) {
    if (delay > 0) await job.changeDelay(delay);
    else await job.promote();
  }
  ctx.log.info({ campaignId, sendAt: new Date(at).toISOString() }, 'campaign rescheduled');
  return getCampaign(ctx, campaignId);
}

export interface PauseOptions {
  /** Who paused it, as `smsq status` shows it. Default `operator`. */
  by?: string;
  reason?: string;
}

/**
 * Pauses one campaign: none of its batches starts until it is resumed (a batch that starts meanwhile is parked),
 * while other campaigns go on sending. Batches already sending finish. Pausing a paused campaign changes nothing.
 * A scheduled campaign may be paused too: if its sendAt passes meanwhile, its batches are released and parked,
 * and none is sent until it is resumed.
 */
export async function pauseCampaign(ctx: Context, campaignId: string, opts: PauseOptions = {}): Promise<CampaignInfo> {
  const reasonProblem = opts.reason === undefined ? null : checkPauseReason(opts.reason);
  if (reasonProblem !== null) throw new SmsqError('VALIDATION_FAILED', `reason: ${reasonProblem}`, { fields: { reason: reasonProblem } });
  const fields = { pausedBy: opts.by ?? 'operator', pauseReason: opts.reason ?? 'paused by an operator', pausedAt: String(Date.now()) };
  const t = await ctx.campaigns.transition(campaignId, LIFECYCLE.pause, fields);
  if (t === 'missing') throw notFound(campaignId);
  if (t !== 'ok' && t !== 'paused') {
    throw new SmsqError('CAMPAIGN_FINISHED', `Campaign ${campaignId} has already ended (${t}); there is nothing to pause.`);
  }
  if (t === 'ok') {
    ctx.log.info({ campaignId, by: fields.pausedBy, reason: fields.pauseReason }, 'campaign paused');
    await ctx.webhooks.emit(campaignId, 'campaign.paused', { by: fields.pausedBy, reason: fields.pauseReason });
  }
  return getCampaign(ctx, campaignId);
}

/** Resumes a paused campaign: its parked batches go back to its lane at once. Resuming a running campaign changes nothing. */
export async function resumeCampaign(ctx: Context, campaignId: string): Promise<CampaignInfo> {
  const r = await ctx.gate.resume(campaignId, ctx.clock.now());
  if (!r.resumed) {
    if (r.state === 'missing') throw notFound(campaignId);
    if (r.state !== 'queued' && r.state !== 'running') {
      throw new SmsqError('CAMPAIGN_FINISHED', `Campaign ${campaignId} has already ended (${r.state}); there is nothing to resume.`);
    }
    return getCampaign(ctx, campaignId);
  }
  // A parked job still on its way to the delayed set cannot be promoted yet; it promotes itself once there.
  await Promise.all(r.parked.map(async (id) => (await ctx.queues.batches.getJob(id))?.promote().catch(() => undefined)));
  // A campaign its canary stopped: resuming it is the operator's word that the rest may go.
  const c = await ctx.campaigns.read(campaignId);
  if (c?.canary?.state === 'stopped') await releaseRest(ctx, campaignId, c);
  ctx.log.info({ campaignId, parked: r.parked.length }, 'campaign resumed');
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

/** A pause reason is shown with the campaign and sent in its webhook event: a sentence, not a document. */
export const PAUSE_REASON_MAX_LENGTH = 500;

function checkPauseReason(reason: unknown): string | null {
  if (typeof reason !== 'string') return 'must be text';
  if (reason.length > PAUSE_REASON_MAX_LENGTH) return `has ${reason.length} characters; the limit is ${PAUSE_REASON_MAX_LENGTH}`;
  return checkTextCharacters(reason, 'reason');
}

export function notFound(campaignId: string): SmsqError {
  return new SmsqError('CAMPAIGN_NOT_FOUND', `No campaign ${campaignId} (never queued, or its results have expired).`);
}
