import { randomUUID } from 'node:crypto';
import { DelayedError, UnrecoverableError, WaitingError } from 'bullmq';
import { callEntry } from '../shared/batch/call-log';
import type { BatchRecord, InFlight } from '../shared/batch/store';
import type { CampaignRecord } from '../shared/campaign/record';
import { awaitStaged } from '../shared/campaign/staging';
import type { Context } from '../shared/context';
import type { CallGateways } from '../shared/accounts/gateways';
import { withAccount } from '../shared/accounts/outcome-account';
import { jobIds } from '../shared/redis/keys';
import { queueBatches, releasedBy } from '../shared/campaign/lanes';
import type { Logger } from '../shared/logger';
import { countOutcomes, metrics } from '../shared/metrics';
import type { JobOf } from '../shared/queues';
import { stopAccount } from '../shared/campaign/sending-control';
import type { BatchJobData, BatchJobResult, CampaignState, StoredOutcome } from '../shared/types';
import { buildResult } from './batch-result';
import { CallLoop, type LoopEnd } from './call-loop';
import { windowHold, type WindowHold } from './window-hold';
import { scheduleSettle } from './settle-job';

/** Transient failure of an attempt: BullMQ retries the batch with backoff. */
export class TransientBatchError extends Error {
  constructor(
    readonly code: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'TransientBatchError';
  }
}

/**
 * How long a parked batch waits before it looks at its campaign again on its own. Resume promotes parked batches
 * at once; this only bounds the wait if a resume died between its two steps.
 */
const PARKED_RECHECK_MS = 60_000;

/** How long a batch whose in-flight record could not be made durable waits (plus jitter) before it tries again. */
const NOT_DURABLE_RETRY_MS = 2_000;

/**
 * How long a batch waiting for its producer to write it waits before it looks again by itself. The producer's
 * write promotes it at once; this bounds the wait when that promote came while the job was still on its way to the
 * delayed set, and costs one short job run a second per waiting batch while a stopped producer is gone.
 */
const STAGING_RECHECK_MS = 1_000;

const IN_FLIGHT_LOST = 'a previous run stopped while this call was in flight (worker crash or lost lock); it may have been sent';

/**
 * The batch job's processor. Re-runnable at any point: it reads what earlier runs recorded, settles a call
 * they left in flight as `unknown` (never resending it on its own), and sends only recipients with no outcome.
 */
export async function sendBatch(ctx: Context, gateways: CallGateways, job: JobOf<'batches'>, token?: string): Promise<BatchJobResult> {
  const { campaignId, batch } = job.data;
  const attempt = job.attemptsMade + 1;
  const log = ctx.log.child({ campaignId, batch, attempt });
  const [campaign, first] = await Promise.all([ctx.campaigns.read(campaignId), ctx.batches.load(campaignId, batch)]);
  let loaded = first;
  if (campaign && !loaded && (campaign.staging || campaign.unstaged)) {
    if ((await waitForStaging(ctx, job, token)) === 'never') return { campaignId, batch, counts: {} };
    loaded = await ctx.batches.load(campaignId, batch);
  }
  if (!campaign || !loaded) throw new UnrecoverableError(`batch ${batch} of campaign ${campaignId} has no record (expired or deleted)`);
  let record: BatchRecord = loaded;
  if (!record.done && record.inFlight) record = await settleStaleCall(ctx, job.data, record, record.inFlight, log);
  const target = await ctx.webhooks.target(campaignId, campaign);
  if (record.done) {
    // A re-run after a crash: the run that finished the batch may have died before releasing the next one, before
    // scheduling the settling of its unknown recipients, before applying reports held for its msgIds (indexing
    // again finds them), or before queueing its webhook events.
    await releaseNext(ctx, job, campaign);
    if (ctx.config.delivery.tracking && hasSent(record.outcomes))
      await ctx.delivery.indexSent(campaignId, batch, record.recipients, record.outcomes);
    if (hasUnknown(record.outcomes)) await scheduleSettle(ctx, campaignId);
    const { events } = target
      ? await ctx.batches.finish(campaignId, batch, record.recipients.length, {
          autoSettle: ctx.config.settling.autoSettle,
          webhooks: true,
        })
      : {};
    if (target && events) await ctx.webhooks.batchFinished(target, batch, record.recipients, record.outcomes, events);
    return buildResult(job.data, record);
  }
  const state = await passGate(ctx, job, token, campaign, record);
  // Each call's end indexes the msgIds it sent. Sent outcomes found stored (recovered from the gateway's records
  // before the campaign was queued, or an earlier run's) are indexed again, which changes nothing already indexed.
  if (ctx.config.delivery.tracking && hasSent(record.outcomes))
    await ctx.delivery.indexSent(campaignId, batch, record.recipients, record.outcomes);
  // Released while this batch sends; awaited before the job ends, so a crash or a refusal re-runs it (a re-run that
  // finds the batch counted releases again). Marked handled meanwhile: a release refused by Redis (full, read-only)
  // while the call is out would otherwise be an unhandled rejection, which ends the worker process; the await below
  // still throws it.
  const released = state === 'cancelled' || state === 'failed' ? Promise.resolve() : releaseNext(ctx, job, campaign);
  released.catch(() => undefined);
  const hold = windowHold(ctx.clock.now(), campaign, record);
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  const loop = new CallLoop(ctx, gateways, job.data, token ?? randomUUID(), campaign, record, log, hold.held, lastAttempt);
  const end = await afterLoop(ctx, job, loop, await loop.run(), log);
  const outcomes = loop.settled;
  await released;
  if (end.kind === 'settled' && hold.held.size > 0) await waitForWindow(ctx, job, token, campaign, hold, outcomes, log);
  if (end.kind === 'account-stop') {
    // Back to waiting without using an attempt; the paused queue holds it until an operator resumes.
    await job.moveToWait(token);
    throw new WaitingError();
  }
  if (end.kind === 'lost') throw new Error('another run of this batch took it over; its record stands');
  if (end.kind === 'rate-wait') {
    // An account's maxRate, or a breaker probe held elsewhere: the batch comes back later, using no attempt.
    metrics.batchHolds.labels(end.why === 'rate' ? 'account-rate' : 'account-probe').inc();
    await job.moveToDelayed(Date.now() + end.ms, token);
    throw new DelayedError();
  }
  if (end.kind === 'not-durable') {
    // Redis could not make the in-flight record durable (replica or AOF behind): the batch comes back later,
    // unsent, using no attempt, since it is Redis, not the gateway, that has to recover.
    metrics.durabilityRefusals.labels(ctx.config.durability.mode).inc();
    log.warn(
      { durability: ctx.config.durability.mode, timeoutMs: ctx.config.durability.timeoutMs },
      'in-flight record not acknowledged in time (REDIS_DURABILITY): call not made, batch retried later',
    );
    await job.moveToDelayed(Date.now() + NOT_DURABLE_RETRY_MS * (1 + Math.random() / 2), token);
    throw new DelayedError();
  }
  // The end of the batch's last call counted it in (the common case); a batch settled otherwise (cancelled, failed
  // for good, held recipients expired) is counted here. Whatever follows is done again by a re-run that finds the
  // batch counted, so a crash after the count loses none of it.
  const { result: finished, events } =
    loop.finished ??
    (await ctx.batches.finish(campaignId, batch, record.recipients.length, {
      autoSettle: ctx.config.settling.autoSettle,
      webhooks: target !== undefined,
    }));
  if (ctx.config.settling.autoSettle) {
    const stored = outcomes ?? (await ctx.batches.load(campaignId, batch))?.outcomes;
    if (stored && hasUnknown(stored)) await scheduleSettle(ctx, campaignId);
  }
  if (campaign.window) await ctx.campaigns.windowWaitOver(campaignId, batch);
  if (finished === 'incomplete') throw new Error('batch has recipients without an outcome after its run');
  if (finished === 'completed') log.info('campaign completed');
  if (finished === 'settling') log.info('all batches counted; the campaign completes once its unknown recipients are settled');
  // What this run recorded is what Redis holds, unless another run wrote or counted the batch too: read it back then.
  const final = finished !== 'already' && outcomes ? { ...record, outcomes } : ((await ctx.batches.load(campaignId, batch)) ?? record);
  // Queued after the count, and again by any re-run ('already' returns the same reserved events): none is lost.
  if (target && events) await ctx.webhooks.batchFinished(target, batch, final.recipients, final.outcomes, events);
  if (end.kind === 'transient') throw new UnrecoverableError(`attempts used up: ${end.code} ${end.reason}`);
  if (end.kind === 'permanent') throw new UnrecoverableError(`${end.code} ${end.reason}`);
  return buildResult(job.data, final);
}

/**
 * A paused campaign's batch is parked (delayed, its id kept for resume to promote); a batch held by a rate cap
 * comes back when the cap lets it. Either way the job leaves its worker slot to other campaigns, uses no
 * attempt, and releases nothing. Returns the campaign's state when the batch may send.
 */
async function passGate(
  ctx: Context,
  job: JobOf<'batches'>,
  token: string | undefined,
  campaign: CampaignRecord,
  record: BatchRecord,
): Promise<CampaignState> {
  const { campaignId } = job.data;
  const senderRate = campaign.senderId !== undefined ? (ctx.config.senderRateLimits[campaign.senderId] ?? 0) : 0;
  const decision = await ctx.gate.enter(campaignId, {
    jobId: job.id ?? '',
    recipients: record.recipients.length - record.outcomes.size,
    senderId: campaign.senderId,
    senderRate,
  });
  switch (decision.kind) {
    case 'go':
      // First starts only: a re-run's wait includes its back-off or hold, which is not time spent waiting its turn.
      if (job.attemptsStarted <= 1)
        metrics.batchWait.labels(campaign.priority).observe(Math.max(0, Date.now() - job.timestamp - (job.opts.delay ?? 0)) / 1000);
      return decision.state;
    case 'missing':
      throw new UnrecoverableError(`campaign ${campaignId} has no record (expired or deleted)`);
    case 'wait':
      metrics.batchHolds.labels('rate-cap').inc();
      await job.moveToDelayed(Date.now() + decision.ms, token);
      throw new DelayedError();
    case 'paused':
      metrics.batchHolds.labels('paused').inc();
      await job.moveToDelayed(Date.now() + PARKED_RECHECK_MS, token);
      // Resume promotes the parked jobs it finds; one that parked while resume ran promotes itself here.
      if ((await ctx.campaigns.read(campaignId))?.state !== 'paused') await job.promote().catch(() => undefined);
      throw new DelayedError();
  }
}

/**
 * Recipients outside their send window are left pending (what the batch sent is indexed already): it notes that it
 * waits (for `smsq status`), and comes back when the first held window opens — or at the campaign's expireAt, which
 * settles them `expired`. The job is delayed, so it uses no attempt and frees its worker slot.
 */
async function waitForWindow(
  ctx: Context,
  job: JobOf<'batches'>,
  token: string | undefined,
  campaign: CampaignRecord,
  hold: WindowHold,
  outcomes: ReadonlyMap<number, StoredOutcome> | null,
  log: Logger,
): Promise<void> {
  const { campaignId, batch } = job.data;
  const stored = outcomes ?? (await ctx.batches.load(campaignId, batch))?.outcomes ?? new Map();
  if (![...hold.held].some((i) => !stored.has(i))) return;
  // A window that never opens in all of a recipient's zones (checked at enqueue) waits for the expiry, or a day.
  const reopenAt = hold.reopenAt ?? ctx.clock.now() + 86_400_000;
  const until = Math.min(reopenAt, campaign.expireAt ?? Infinity);
  await ctx.campaigns.waitingForWindow(campaignId, batch, reopenAt);
  log.info({ held: hold.held.size, reopenAt: new Date(reopenAt).toISOString() }, 'recipients wait for their send window');
  await job.moveToDelayed(Date.now() + Math.max(0, until - ctx.clock.now()), token);
  throw new DelayedError();
}

/**
 * A batch started before its producer wrote it (the campaign sends while it is staged): the job waits, delayed,
 * using no attempt, until the producer writes the batch and promotes it. It looks again by itself after
 * STAGING_RECHECK_MS, in case the promote was missed or the producer stopped (then the campaign waits for a
 * producer to stage the rest, or for a cancel). A batch that staging ended before has nothing to send: the
 * campaign was cut short of it.
 */
async function waitForStaging(ctx: Context, job: JobOf<'batches'>, token: string | undefined): Promise<'staged' | 'never'> {
  const { campaignId, batch } = job.data;
  const staged = await awaitStaged(ctx, campaignId, batch);
  if (staged === 'wait') {
    metrics.batchHolds.labels('staging').inc();
    await job.moveToDelayed(Date.now() + STAGING_RECHECK_MS, token);
    // Written while this job moved to the delayed set: the producer's promote came too early, so promote here.
    if ((await awaitStaged(ctx, campaignId, batch)) !== 'wait') await job.promote().catch(() => undefined);
    throw new DelayedError();
  }
  return staged;
}

/**
 * The batch this one's start releases (shared/campaign/lanes.ts); resend rounds release nothing, their jobs are all
 * queued. Nor does a run whose campaign record is no longer the one it read (a Redis that lost it, and perhaps a
 * later enqueue of the same id that made it anew): the job it would add bears the id of the new campaign's batch,
 * which would then fail for want of a record and block that batch's own job, stalling the campaign.
 */
async function releaseNext(ctx: Context, job: JobOf<'batches'>, campaign: CampaignRecord): Promise<void> {
  const { campaignId, batch } = job.data;
  if (job.id !== jobIds.batch(campaignId, batch)) return;
  const next = releasedBy(batch, campaign.batches, ctx.config.releaseAhead);
  if (next === null) return;
  const createdAt = await ctx.campaigns.createdAt(campaignId);
  // A record whose createdAt did not read (0) is compared by its existence alone: a damaged field must not stall it.
  if (createdAt === undefined || (campaign.createdAt > 0 && createdAt !== campaign.createdAt)) return;
  await queueBatches(ctx, campaignId, [next], campaign.priority);
}

function hasUnknown(outcomes: ReadonlyMap<number, StoredOutcome>): boolean {
  for (const o of outcomes.values()) if (o[0] === 'u') return true;
  return false;
}

function hasSent(outcomes: ReadonlyMap<number, StoredOutcome>): boolean {
  for (const o of outcomes.values()) if (o[0] === 's') return true;
  return false;
}

/** A call recorded in flight with no outcome: the run that made it died or lost its lock mid-call. */
async function settleStaleCall(ctx: Context, data: BatchJobData, record: BatchRecord, stale: InFlight, log: Logger): Promise<BatchRecord> {
  const outcomes = new Map<number, StoredOutcome>();
  // With SMS_RETRY_UNKNOWN the operator accepted possible duplicates: the recipients go back to pending.
  if (!ctx.config.retryUnknown)
    for (const i of stale.i) outcomes.set(i, withAccount(['u', 'IN_FLIGHT_LOST', IN_FLIGHT_LOST, stale.at], stale.account));
  const call = callEntry(stale.at, stale.account, stale.i, { kind: 'lost', code: 'IN_FLIGHT_LOST', reason: IN_FLIGHT_LOST });
  if ((await ctx.batches.endCall(data.campaignId, data.batch, stale.t, outcomes, { call })).ok) countOutcomes(outcomes.values());
  log.warn(
    { recipients: stale.i.length, since: stale.at, resend: ctx.config.retryUnknown, account: stale.account },
    'found a call left in flight by an earlier run',
  );
  return (await ctx.batches.load(data.campaignId, data.batch)) ?? record;
}

/** Retries, the last attempt and account-level stops: what a run's end means for the job. */
async function afterLoop(ctx: Context, job: JobOf<'batches'>, loop: CallLoop, end: LoopEnd, log: Logger): Promise<LoopEnd> {
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
      const first = await stopAccount(
        ctx,
        { code: end.code, reason: end.reason, operatorAction: end.operatorAction, at: Date.now() },
        job.data.campaignId,
      );
      const msg = `sending stopped for the whole queue: recipients have no gateway account left; the last stop was status ${end.code} (${end.reason}). To fix: ${end.operatorAction}, then run "smsq resume".`;
      if (first) {
        log.error({ code: end.code }, msg);
      } else log.warn({ code: end.code }, 'account-level stop (already recorded)');
      return end;
    }
    default:
      return end;
  }
}
