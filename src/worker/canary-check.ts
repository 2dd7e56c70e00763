/**
 * The canary check job (`k.<campaignId>` on the campaigns queue), added by the split job of a campaign with a canary.
 * It waits for the canary's batches to be counted, holds for the campaign's `holdMs` from then, and judges the gates
 * (shared/campaign/canary.ts) on what the canary did: held, the campaign's other batches are released into its lane;
 * failed, the campaign is paused by `canary` with the figures, and its other batches stay unreleased until an
 * operator resumes it (which releases them) or cancels it. Every wait is the job delayed again, using no attempt, so
 * a worker that dies meanwhile loses nothing: the job runs again and finds where the canary is from the record.
 */
import { DelayedError } from 'bullmq';
import { SMSQ_ACTOR } from '../shared/audit/audit-log';
import { ownerOf } from '../shared/tenants/campaign-owner';
import { canaryFigures, canaryPauseReason, failedGates, type CanaryFigures, type CanaryPlan } from '../shared/campaign/canary';
import { releaseRest } from '../shared/campaign/canary-release';
import { LIFECYCLE } from '../shared/campaign/lifecycle';
import type { CampaignRecord } from '../shared/campaign/record';
import type { Context } from '../shared/context';
import { parseOutcomes } from '../shared/batch/store';
import { decodeRecipients } from '../shared/recipient/codec';
import { pickWinner, variantFigures, variantName, variantOf, type VariantFigures } from '../shared/campaign/variants';
import { readStoredDelivery } from '../shared/delivery/summary';
import type { JobOf } from '../shared/queues';
import type { CampaignJobResult } from '../shared/types';

/** How often the job looks whether the canary's batches are all counted. */
const SENDING_POLL_MS = 2_000;

export async function checkCanary(ctx: Context, job: JobOf<'campaigns'>): Promise<CampaignJobResult> {
  const { campaignId } = job.data;
  const campaign = await ctx.campaigns.read(campaignId);
  const canary = campaign?.canary;
  if (!campaign || !canary || ['cancelled', 'failed', 'completed'].includes(campaign.state)) return { batches: 0 };
  if (canary.state === 'released' || canary.state === 'stopped') return { batches: 0 };
  const { plan } = canary;
  if (!(await canaryCounted(ctx, campaignId, campaign, plan))) return later(job, SENDING_POLL_MS);
  const now = ctx.clock.now();
  let sentAt = canary.sentAt;
  if (sentAt === undefined) {
    sentAt = now;
    await ctx.redis.hset(ctx.keys.campaign(campaignId), { canarySentAt: String(now), canaryState: 'holding' });
  }
  if (now < sentAt + plan.holdMs) return later(job, sentAt + plan.holdMs - now);
  const { figures, variants } = await readFigures(ctx, campaignId, campaign, plan);
  const failed = failedGates(plan.gates, figures);
  // With variants the winner is chosen whatever the gates say: an operator who resumes a stopped canary sends it.
  const winner = variants && campaign.variants ? pickWinner(variants, campaign.variants.plan.winnerBy) : undefined;
  const stored = {
    canaryFigures: JSON.stringify(figures),
    ...(variants && winner !== undefined ? { variantFigures: JSON.stringify(variants), variantWinner: String(winner) } : {}),
  };
  if (winner !== undefined) ctx.log.info({ campaignId, winner: variantName(winner), variants }, 'A/B variants judged on the canary');
  if (failed.length > 0) {
    const reason = canaryPauseReason(plan, figures, failed);
    const fields = { ...stored, canaryState: 'stopped', pausedBy: 'canary', pauseReason: reason, pausedAt: String(Date.now()) };
    const t = await ctx.campaigns.transition(campaignId, LIFECYCLE.canaryPause, fields);
    if (t === 'paused') {
      // Paused by an operator meanwhile: the canary's verdict is kept, the operator's pause stands.
      await ctx.redis.hset(ctx.keys.campaign(campaignId), { ...stored, canaryState: 'stopped' });
    }
    if (t === 'ok') {
      ctx.log.warn({ campaignId, figures, failed }, `campaign paused: ${reason}`);
      await ctx.audit.record(SMSQ_ACTOR, {
        action: 'campaign.pause',
        campaignId,
        tenant: ownerOf(campaignId).tenant,
        changes: { by: 'canary', reason, state: 'paused', ...verdict(figures, variants, winner) },
      });
      await ctx.webhooks.emit(campaignId, 'campaign.paused', { by: 'canary', reason });
    }
    return { batches: 0 };
  }
  await releaseRest(ctx, campaignId, campaign, stored);
  ctx.log.info({ campaignId, figures }, 'canary passed its gates: the rest of the campaign is released');
  await ctx.audit.record(SMSQ_ACTOR, {
    action: 'campaign.canary-release',
    campaignId,
    tenant: ownerOf(campaignId).tenant,
    changes: verdict(figures, variants, winner),
  });
  return { batches: plan.firstBatch };
}

/** What the audit trail keeps of a verdict: the canary's figures and, with variants, the winner. */
function verdict(figures: CanaryFigures, variants: VariantFigures[] | undefined, winner: number | undefined): Record<string, unknown> {
  const { called, sent, failed, delivered, optOuts } = figures;
  return {
    figures: { called, sent, failed, delivered, optOuts },
    ...(variants && winner !== undefined ? { winner: variantName(winner) } : {}),
  };
}

/** Delays the job by `ms` without using an attempt. */
async function later(job: JobOf<'campaigns'>, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + Math.max(1, ms), job.token);
  throw new DelayedError();
}

function canaryBatches(campaign: Pick<CampaignRecord, 'batches'>, plan: CanaryPlan): number[] {
  return Array.from({ length: Math.max(0, campaign.batches - plan.firstBatch) }, (_, j) => plan.firstBatch + j);
}

/** Whether every canary batch is counted into the campaign (its `st` is `done`). */
async function canaryCounted(ctx: Context, campaignId: string, campaign: CampaignRecord, plan: CanaryPlan): Promise<boolean> {
  const p = ctx.redis.pipeline();
  for (const k of canaryBatches(campaign, plan)) p.hget(ctx.keys.batch(campaignId, k), 'st');
  const replies = (await p.exec()) ?? [];
  return replies.every(([err, st]) => {
    if (err) throw err;
    return st === 'done';
  });
}

/**
 * What the canary did, from its batches' outcomes and delivery records, and its STOP replies: the campaign's
 * `optOuts` counter, which only the canary can have raised while the rest is held. With A/B variants, the same per
 * variant, plus its clickers (the batches' click records) and repliers (replies attributed to the campaign).
 */
async function readFigures(
  ctx: Context,
  campaignId: string,
  campaign: CampaignRecord,
  plan: CanaryPlan,
): Promise<{ figures: CanaryFigures; variants?: VariantFigures[] }> {
  const count = campaign.variants?.templates.length ?? 0;
  const per = Array.from({ length: count }, () => ({
    recipients: 0,
    called: 0,
    sent: 0,
    failed: 0,
    delivered: 0,
    clickers: 0,
    replies: 0,
  }));
  const repliers = count > 0 && campaign.variants?.plan.winnerBy === 'replies' ? await replyingNumbers(ctx, campaignId, campaign) : null;
  const all = { called: 0, sent: 0, failed: 0, delivered: 0 };
  for (const k of canaryBatches(campaign, plan)) {
    const p = ctx.redis.pipeline().hget(ctx.keys.batch(campaignId, k), 'o').hgetall(ctx.keys.deliveries(campaignId, k));
    if (count > 0) p.hgetall(ctx.keys.batchClicks(campaignId, k)).hget(ctx.keys.batch(campaignId, k), 'r');
    const replies = ((await p.exec()) ?? []) as Array<[Error | null, unknown]>;
    for (const [err] of replies) if (err) throw err;
    const [o, dlr, clk, r] = replies.map(([, v]) => v);
    const deliveries = (dlr ?? {}) as Record<string, string>;
    const recipients = typeof r === 'string' ? decodeRecipients(r) : [];
    const size = count > 0 ? recipients.length : 0;
    for (let i = 0; i < size; i++) per[variantOf(k, i, count)].recipients++;
    for (const [i, outcome] of parseOutcomes(typeof o === 'string' ? o : null)) {
      const v = count > 0 ? per[variantOf(k, i, count)] : null;
      const called = outcome[0] === 's' || outcome[0] === 'f' || outcome[0] === 'u' || outcome[0] === 'n';
      const delivered = outcome[0] === 's' && readStoredDelivery(deliveries[String(i)] ?? '')?.[0] === 'd';
      for (const f of v ? [all, v] : [all]) {
        if (outcome[0] === 's') f.sent++;
        if (outcome[0] === 'f') f.failed++;
        if (called) f.called++;
        if (delivered) f.delivered++;
      }
      if (v && outcome[0] === 's' && repliers?.has(recipients[i]?.number ?? '')) v.replies++;
    }
    if (count > 0)
      for (const i of Object.keys(clk ?? {})) if (per[variantOf(k, Number(i), count)]) per[variantOf(k, Number(i), count)].clickers++;
  }
  const optOuts = Number((await ctx.redis.hget(ctx.keys.campaign(campaignId), 'optOuts')) ?? 0) || 0;
  return { figures: canaryFigures({ ...all, optOuts }), ...(count > 0 ? { variants: per.map((f) => variantFigures(f)) } : {}) };
}

/** The numbers that replied to the campaign: while the rest is held, only canary recipients can have. */
async function replyingNumbers(ctx: Context, campaignId: string, campaign: CampaignRecord): Promise<Set<string>> {
  const numbers = new Set<string>();
  for await (const reply of ctx.replies.list({ campaignId, since: campaign.startedAt ?? campaign.createdAt })) numbers.add(reply.number);
  return numbers;
}
