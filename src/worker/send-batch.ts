import { randomUUID } from 'node:crypto';
import { Job, UnrecoverableError, WaitingError } from 'bullmq';
import type { BatchRecord } from '../shared/batch-store';
import type { CampaignRecord } from '../shared/campaign-store';
import type { Context } from '../shared/context';
import type { GatewayClient } from '../shared/gateway/client';
import type { Logger } from '../shared/logger';
import { countOutcomes, metrics } from '../shared/metrics';
import { stopAccount } from '../shared/sending-control';
import type { BatchJobData, BatchJobResult, StoredOutcome } from '../shared/types';
import { buildResult } from './batch-result';
import { CallLoop, LoopEnd } from './call-loop';

/** Transient failure of an attempt: BullMQ retries the batch with backoff. */
export class TransientBatchError extends Error {
  constructor(readonly code: string, reason: string) {
    super(reason);
    this.name = 'TransientBatchError';
  }
}

const IN_FLIGHT_LOST = 'a previous run stopped while this call was in flight (worker crash or lost lock); it may have been sent';

/**
 * The batch job's processor. Re-runnable at any point: it reads what earlier runs recorded, settles a call
 * they left in flight as `unknown` (never resending it on its own), and sends only recipients with no outcome.
 */
export async function sendBatch(ctx: Context, client: GatewayClient, job: Job<BatchJobData, BatchJobResult>, token?: string): Promise<BatchJobResult> {
  const { campaignId, batch } = job.data;
  const attempt = job.attemptsMade + 1;
  const log = ctx.log.child({ campaignId, batch, attempt });
  const [campaign, loaded] = await Promise.all([ctx.campaigns.read(campaignId), ctx.batches.load(campaignId, batch)]);
  if (!campaign || !loaded) throw new UnrecoverableError(`batch ${batch} of campaign ${campaignId} has no record (expired or deleted)`);
  let record: BatchRecord = loaded;
  if (!record.done && record.inFlight) record = await settleStaleCall(ctx, job.data, record, log);
  if (record.done) {
    // Counted by an earlier run that may have died before queueing its webhook events: queue them again.
    const target = ctx.webhooks.target(campaignId, campaign.fields);
    const { events } = target ? await ctx.batches.finish(campaignId, batch, record.recipients.length, true) : {};
    if (target && events) await ctx.webhooks.batchFinished(target, batch, record.recipients, record.outcomes, events);
    return buildResult(job.data, record);
  }
  const { end, outcomes } = await sendPending(ctx, client, job, token ?? randomUUID(), campaign, record, log);
  if (end.kind === 'account-stop') {
    // Back to waiting without using an attempt; the paused queue holds it until an operator resumes.
    await job.moveToWait(token);
    throw new WaitingError();
  }
  if (end.kind === 'lost') throw new Error('another run of this batch took it over; its record stands');
  // Indexed before the batch counts as finished, so a crash in between leaves a re-run that indexes again.
  if (ctx.config.delivery.tracking) {
    const stored = outcomes ?? (await ctx.batches.load(campaignId, batch))?.outcomes;
    if (stored) await ctx.delivery.indexSent(campaignId, batch, record.recipients, stored);
  }
  const target = ctx.webhooks.target(campaignId, campaign.fields);
  const { result: finished, events } = await ctx.batches.finish(campaignId, batch, record.recipients.length, target !== undefined);
  if (finished === 'incomplete') throw new Error('batch has recipients without an outcome after its run');
  if (finished === 'completed') log.info('campaign completed');
  // What this run recorded is what Redis holds, unless another run wrote or counted the batch too: read it back then.
  const final = finished !== 'already' && outcomes ? { ...record, outcomes } : ((await ctx.batches.load(campaignId, batch)) ?? record);
  // Queued after the count, and again by any re-run ('already' returns the same reserved events): none is lost.
  if (target && events) await ctx.webhooks.batchFinished(target, batch, final.recipients, final.outcomes, events);
  if (end.kind === 'transient') throw new UnrecoverableError(`attempts used up: ${end.code} ${end.reason}`);
  if (end.kind === 'permanent') throw new UnrecoverableError(`${end.code} ${end.reason}`);
  return buildResult(job.data, final);
}

/** A call recorded in flight with no outcome: the run that made it died or lost its lock mid-call. */
async function settleStaleCall(ctx: Context, data: BatchJobData, record: BatchRecord, log: Logger): Promise<BatchRecord> {
  const stale = record.inFlight!;
  const outcomes = new Map<number, StoredOutcome>();
  // With SMS_RETRY_UNKNOWN the operator accepted possible duplicates: the recipients go back to pending.
  if (!ctx.config.retryUnknown) for (const i of stale.i) outcomes.set(i, ['u', 'IN_FLIGHT_LOST', IN_FLIGHT_LOST, stale.at]);
  if ((await ctx.batches.endCall(data.campaignId, data.batch, stale.t, outcomes)).ok) countOutcomes(outcomes.values());
  log.warn({ recipients: stale.i.length, since: stale.at, resend: ctx.config.retryUnknown }, 'found a call left in flight by an earlier run');
  return (await ctx.batches.load(data.campaignId, data.batch)) ?? record;
}

async function sendPending(
  ctx: Context,
  client: GatewayClient,
  job: Job<BatchJobData, BatchJobResult>,
  token: string,
  campaign: CampaignRecord,
  record: BatchRecord,
  log: Logger,
): Promise<{ end: LoopEnd; outcomes: ReadonlyMap<number, StoredOutcome> | null }> {
  const loop = new CallLoop(ctx, client, job.data, token, campaign, record, log);
  const end = await loop.run();
  return { end: await afterLoop(ctx, job, loop, end, log), outcomes: loop.settled };
}

/** Retries, the last attempt and account-level stops: what a run's end means for the job. */
async function afterLoop(ctx: Context, job: Job<BatchJobData, BatchJobResult>, loop: CallLoop, end: LoopEnd, log: Logger): Promise<LoopEnd> {
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  switch (end.kind) {
    case 'transient':
      if (!lastAttempt) {
        metrics.batchRetries.labels(end.code).inc();
        throw new TransientBatchError(end.code, end.reason);
      }
      await loop.settleRest(['f', end.code, `${end.reason} (after ${job.attemptsMade + 1} attempts)`]);
      return end;
    case 'account-stop': {
      const first = await stopAccount(ctx, { code: end.code, reason: end.reason, operatorAction: end.operatorAction, at: Date.now() }, job.data.campaignId);
      const msg = `sending stopped for the whole queue: gateway status ${end.code} (${end.reason}). To fix: ${end.operatorAction}, then run "smsq resume".`;
      if (first) {
        metrics.accountStops.labels(end.code).inc();
        log.error({ code: end.code }, msg);
      } else log.warn({ code: end.code }, 'account-level stop (already recorded)');
      return end;
    }
    default:
      return end;
  }
}
