import { suppressionTenant } from '../shared/opt-out/suppression-store';
import { randomUUID } from 'node:crypto';
import type { CampaignRecord } from '../shared/campaign/record';
import { endStaging, stageBatch } from '../shared/campaign/staging';
import type { Context } from '../shared/context';
import { SmsqError } from '../shared/errors';
import { jobIds } from '../shared/redis/keys';
import type { Priority } from '../shared/campaign/lanes';
import { releaseLock, renewLock } from '../shared/redis/lock';
import { JOB_NAMES } from '../shared/queues';
import { refuseVolatileRedis } from '../shared/redis/checks';
import { asRedisError } from '../shared/redis/errors';
import type { RecipientInput } from '../shared/types';
import { noRouteWarning, type RouteSummary } from './account-routes';
import { checkBudget } from './budget-check';
import { windowRowCheck, type TimingOptions } from './campaign-timing';
import { checkCampaign, type CheckedCampaign } from './check-campaign';
import type { CanaryOptions, CheckedCanary } from './canary-options';
import type { VariantOptions } from './variant-options';
import type { CanaryPlan } from '../shared/campaign/canary';
import type { RawRow } from './read-recipients';
import { PendingBatches, PENDING_TTL_MS } from './pending-batches';
import { stageRows, type Staged, type StageOptions } from './stage-rows';
import type { TextSummary } from './text-stats';
import type { RowProblem } from './validate';

export interface EnqueueOptions extends TimingOptions, CanaryOptions, VariantOptions {
  /** Your id for the campaign; queueing the same id twice never sends twice. Generated when omitted. */
  campaignId?: string;
  /**
   * The text, or a template with `{{field}}` / `{{field|fallback}}` placeholders filled from each recipient's fields.
   * Required, unless `variants` gives the texts.
   */
  content?: string;
  senderId?: string;
  /**
   * Send only through these gateway accounts (names from SMS_ACCOUNTS, at most 32); recipients none of them may
   * send to end `failed` with NO_ROUTE. Default: any configured account. An unknown name is refused (UNKNOWN_ACCOUNT).
   */
  accounts?: readonly string[];
  /** The campaign's lane: a waiting batch of a higher priority always starts first. Default `normal`. */
  priority?: Priority;
  /** Recipients per second this campaign may send at most, across all workers. Default: no cap of its own. */
  maxRate?: number;
  /** Send even to numbers that reached SMS_FREQUENCY_CAP (one-time passwords, alerts). Default false. */
  ignoreFrequencyCap?: boolean;
  /** Recipients as objects (an array, or an async iterable to stream millions)… */
  recipients?: Iterable<RecipientInput> | AsyncIterable<RecipientInput>;
  /**
   * …or rows read by `readRecipients`, which carry their line numbers: as a function that reads them afresh at each
   * call (`() => readRecipients(createReadStream(path), 'csv')`), the campaign is validated whole and then sends
   * while it is staged; as an iterable (a stream that cannot be read twice), it is staged whole before it sends.
   */
  rows?: AsyncIterable<RawRow> | (() => AsyncIterable<RawRow>);
  /** Queue the valid recipients and count the bad rows instead of refusing the campaign. Default false. */
  skipInvalid?: boolean;
  /**
   * Where this campaign's webhook events go (http or https), instead of WEBHOOK_URL. Signed with WEBHOOK_SECRET.
   * Kept from the campaign's first enqueue: queueing the same campaign id again does not change it.
   */
  callbackUrl?: string;
  /**
   * Replace every http(s) link in each recipient's text by a short link of its own under LINK_BASE_URL, which
   * `smsq server` redirects to the original and counts clicks on. Needs LINK_BASE_URL. Default false.
   */
  trackLinks?: boolean;
  /** Send a number listed twice only once (counted in `duplicatesSkipped`). Default true. */
  dedupe?: boolean;
  /** The campaign this one resends to, shown in its status (resendCampaign sets it). */
  parentId?: string;
  /**
   * Budget cap, in the currency of the prices (e.g. 250 for 250 USD): refused (BUDGET_EXCEEDED, nothing queued)
   * when the estimated cost is above it, and paused while sending once the reported cost reaches it.
   */
  maxCost?: number;
  /**
   * Runs once the campaign is staged and valid, just before it is queued, with its recipient count and how they
   * split over the accounts (the balance check). Throwing queues nothing; a returned string is passed on in `warnings`.
   */
  beforeCommit?: (total: number, staged: StagedCampaign) => Promise<string | void>;
  /**
   * For rows that can be read again: runs when the campaign is valid and queued, before its batches are staged
   * (they send as they are written). A producer that stops from here on leaves the campaign sending what was
   * staged; queueing it again (same campaignId, same rows) stages the rest.
   */
  onSending?: (campaignId: string, total: number) => void | Promise<void>;
}

/** The campaign `beforeCommit` is about to queue: its id and batch count (rows read once are staged by then, in Redis). */
export interface StagedCampaign {
  campaignId: string;
  batches: number;
  /** Recipients by the gateway account each is tried on first (those with no route left out). */
  byAccount: Readonly<Record<string, number>>;
  /** Its texts' segments and estimated cost (a tenant's spend per day counts it). */
  texts: TextSummary;
}

type BeforeCommit = NonNullable<EnqueueOptions['beforeCommit']>;

/** Two `beforeCommit` hooks as one: `first`, then `second` unless `first` threw; both warnings passed on. */
export function composeBeforeCommit(first: BeforeCommit | undefined, second: BeforeCommit | undefined): BeforeCommit | undefined {
  if (!first || !second) return first ?? second;
  return async (total, staged) => {
    const warnings = [await first(total, staged), await second(total, staged)].filter((w): w is string => Boolean(w));
    return warnings.length > 0 ? warnings.join('; ') : undefined;
  };
}

export interface EnqueueResult {
  campaignId: string;
  /** False when this campaign id was already queued with the same content and recipients: nothing new queued. */
  created: boolean;
  /** True when that campaign was still staging, its producer gone: the batches it had not written were written now. */
  resumed?: boolean;
  total: number;
  batches: number;
  duplicatesSkipped: number;
  invalidSkipped: number;
  /**
   * Recipients on the suppression list when the campaign was queued. The list is checked again at each call, so
   * they end `suppressed` unless taken off it first, and numbers added later are suppressed too.
   */
  suppressed: number;
  /** With `skipInvalid`: the skipped rows (the first 1,000), each with its row number and reason. */
  invalidRows: RowProblem[];
  /**
   * What `beforeCommit` warned about (e.g. a balance that may not cover the campaign), characters forcing UCS-2,
   * and recipients no account may send to.
   */
  warnings?: string[];
  /** Set when recipients have no gateway account that may send to them: queued, they end `failed` with NO_ROUTE. */
  noRoute?: RouteSummary['noRoute'];
  /** Encodings, segments and the estimated cost of the accepted recipients' texts. */
  texts: TextSummary;
}

/**
 * The staging lock lives this long unless renewed, as its producer does every third of it: a producer that died
 * is seen gone (`smsq status`) and the campaign can be staged again this long after.
 */
const STAGING_LOCK_MS = 15_000;

/** Where a campaign's rows come from: read once (a stream, an array), or as often as needed (a file). */
interface RowSource {
  open(): AsyncIterable<RawRow>;
  rereadable: boolean;
}

function rowSource(opts: EnqueueOptions): RowSource {
  const { rows, recipients } = opts;
  if (typeof rows === 'function') return { open: rows, rereadable: true };
  if (rows) return { open: () => rows, rereadable: false };
  // Recipients given in memory are staged whole, then sent: the list is already there, and what it takes to stage
  // is what a file's first reading would take to validate.
  return { open: () => toRows(recipients ?? []), rereadable: false };
}

/**
 * Queues a campaign, all of it or none. Rows read once (stdin, an upload, an iterable, an array) are validated
 * while they are staged in Redis batch by batch, and queued when the last one is. Rows that can be read again (a
 * file) are validated whole first, writing nothing, and then queued at once and staged while the first batches
 * already send (see shared/campaign/staging.ts); `onSending` is told when that
 * starts. Either way an invalid row, a budget refusal or a throwing `beforeCommit` queues nothing.
 */
export async function enqueueCampaign(ctx: Context, opts: EnqueueOptions): Promise<EnqueueResult> {
  const checked = await checkCampaign(ctx, opts);
  await refuseVolatileRedis(ctx.redis, ctx.config.allowVolatile);
  const source = rowSource(opts);
  const { redis, keys } = ctx;
  const { campaignId } = checked;
  const lockKey = keys.staging(campaignId);
  const lockToken = randomUUID();
  if (
    (await redis.set(lockKey, lockToken, 'PX', STAGING_LOCK_MS, 'NX').catch((err: unknown) => Promise.reject(nothingQueued(err)))) !== 'OK'
  ) {
    throw new SmsqError(
      'CAMPAIGN_BUSY',
      `Campaign ${campaignId} is being queued by another producer right now (or one stopped less than ${STAGING_LOCK_MS / 1000} s ago); try again when it is done.`,
    );
  }
  const renewal = setInterval(() => void renewLock(redis, lockKey, lockToken, STAGING_LOCK_MS).catch(() => undefined), STAGING_LOCK_MS / 3);
  try {
    const existing = await ctx.campaigns.read(campaignId);
    // A canary is drawn from the whole list and staged last: such a campaign is staged whole before it sends.
    return source.rereadable && !checked.canary
      ? await enqueueRereadable(ctx, opts, checked, source, existing)
      : await enqueueOnce(ctx, opts, checked, source, existing);
  } catch (err) {
    throw nothingQueued(err);
  } finally {
    clearInterval(renewal);
    // Left to its TTL when Redis cannot take it now; the error above is the one the caller needs.
    await releaseLock(redis, lockKey, lockToken).catch(() => undefined);
  }
}

/**
 * Redis full, read-only or gone: a code of its own (HTTP 503), and never the ioredis error, which carries the
 * refused command's arguments (recipients). Whatever was staged is gone by then (enqueueOnce, commit).
 */
function nothingQueued(err: unknown): unknown {
  return asRedisError(err, ', and nothing was queued') ?? err;
}

/**
 * Rows read once: staged as they are validated, with a short TTL kept alive while they are read, and committed when
 * all are. Anything that stops it first (a bad row, a refusal, Redis refusing a write, an upload cut off or too
 * large) deletes what was staged.
 */
async function enqueueOnce(
  ctx: Context,
  opts: EnqueueOptions,
  checked: CheckedCampaign,
  source: RowSource,
  existing: CampaignRecord | null,
): Promise<EnqueueResult> {
  const { campaignId } = checked;
  // An id that is already queued is read through only to compare, never staged again.
  const pending = existing ? undefined : new PendingBatches(ctx, campaignId);
  try {
    const staged = await stageRows(ctx, source.open(), {
      ...stageOptions(ctx, opts, checked),
      write: pending?.write,
      countSuppressed: true,
    });
    const result = await accept(ctx, opts, checked, staged, existing, async () => pending?.drop());
    if (!result.created) return result;
    await commit(
      ctx,
      campaignId,
      { ...checked, ignoreFrequencyCap: opts.ignoreFrequencyCap ?? false, callbackUrl: opts.callbackUrl, ...staged },
      false,
      pending,
    );
    ctx.log.info({ campaignId, total: staged.total, batches: staged.batches, duplicates: staged.duplicates }, 'campaign queued');
    return result;
  } catch (err) {
    await pending?.drop();
    throw err;
  } finally {
    pending?.stopKeepAlive();
  }
}

/**
 * Rows read twice: the first reading validates and counts them with nothing written; the campaign is then queued
 * (its first batches may start at once) and the second reading writes the batches, each checked against the
 * first reading's. A campaign found still staging (its producer stopped) has its missing batches written now.
 */
async function enqueueRereadable(
  ctx: Context,
  opts: EnqueueOptions,
  checked: CheckedCampaign,
  source: RowSource,
  existing: CampaignRecord | null,
): Promise<EnqueueResult> {
  const { campaignId } = checked;
  // One set of checks for both readings (the send window's is judged at one moment), so that they agree.
  const checks = stageOptions(ctx, opts, checked);
  const first = await stageRows(ctx, source.open(), { ...checks, countSuppressed: false });
  const result = await accept(ctx, opts, checked, first, existing, async () => undefined);
  if (existing && !existing.staging) return result;
  if (existing) result.resumed = true;
  else
    await commit(
      ctx,
      campaignId,
      { ...checked, ignoreFrequencyCap: opts.ignoreFrequencyCap ?? false, callbackUrl: opts.callbackUrl, ...first },
      true,
    );
  await opts.onSending?.(campaignId, first.total);
  let second: Staged;
  try {
    second = await stageRows(ctx, source.open(), {
      ...checks,
      // No duplicate in the first reading: none in the second either, or its batch would differ from the first
      // reading's (INPUT_CHANGED). The second reading then needs no set of the numbers seen.
      dedupe: (opts.dedupe ?? true) && first.duplicates > 0,
      // Likewise, rows refused for their text (a missing field) are found again only by rendering it.
      renderTexts: first.invalidCount > 0,
      write: (k, encoded, count, check) =>
        stageBatch(ctx, campaignId, k, encoded, count, check).then((r) => (r === 'ended' ? 'ended' : undefined)),
      countSuppressed: true,
      expectBatches: first.batchDigests,
    });
  } catch (err) {
    if (err instanceof SmsqError && err.code === 'INPUT_CHANGED') {
      await endStaging(ctx, campaignId, 'the recipients changed while they were read');
      throw new SmsqError(
        'INPUT_CHANGED',
        `${err.message} Campaign ${campaignId} sends the recipients staged before that batch; the rest was not queued.`,
        err.details,
      );
    }
    const refused = asRedisError(err);
    // Nothing written (Redis refused the first batch): the campaign this run queued could never send anyone, so it
    // is taken back whole rather than left `queued` with nothing staged.
    if (refused && !existing && (await ctx.campaigns.read(campaignId).catch(() => null))?.staging?.staged === 0) {
      await uncommit(ctx, campaignId, first.batches).catch(() => undefined);
      throw asRedisError(err, `, and campaign ${campaignId} was taken back: nothing was queued`) ?? err;
    }
    // Staging stays open: the batches written so far send, and the same enqueue again writes the rest.
    const cause = refused ? `[${refused.code}] ${refused.message.replace(/\.$/, '')}` : (err as Error).message;
    throw new SmsqError(
      'STAGING_STOPPED',
      `Campaign ${campaignId} was queued, but staging it stopped: ${cause}. The recipients staged so far are sending; queue the same campaign again (same campaignId, same rows) to stage the rest, or cancel it.`,
      { campaignId, ...(refused ? { cause: refused.code } : {}) },
    );
  }
  result.suppressed = second.suppressed;
  if (second.endedAt !== undefined) {
    const rec = await ctx.campaigns.read(campaignId);
    const cut = `campaign ${campaignId} ended (${rec?.state ?? 'expired'}) while it was being staged: ${rec?.unstaged?.count ?? 'some'} recipients were never queued`;
    result.warnings = [...(result.warnings ?? []), cut];
  } else {
    await endStaging(ctx, campaignId);
  }
  ctx.log.info(
    { campaignId, total: first.total, batches: first.batches, duplicates: first.duplicates, resumed: existing !== null },
    existing ? 'campaign staged again: its missing batches written' : 'campaign queued',
  );
  return result;
}

function stageOptions(
  ctx: Context,
  opts: EnqueueOptions,
  c: CheckedCampaign,
): Pick<
  StageOptions,
  | 'content'
  | 'senderId'
  | 'accounts'
  | 'template'
  | 'variants'
  | 'linkBase'
  | 'canary'
  | 'dedupe'
  | 'skipInvalid'
  | 'windowCheck'
  | 'suppressionTenant'
> {
  return {
    ...(c.canary ? { canary: { size: c.canary.size, seed: c.campaignId } } : {}),
    linkBase: c.linkBase,
    suppressionTenant: suppressionTenant(ctx.config, c.campaignId),
    content: c.content,
    senderId: c.senderId,
    accounts: c.accounts,
    template: c.template,
    variants: c.variants?.templates,
    dedupe: opts.dedupe ?? true,
    skipInvalid: opts.skipInvalid ?? false,
    windowCheck: windowRowCheck(c.timing, ctx.clock.now()),
  };
}

/**
 * What every enqueue decides once its rows are counted: refused (invalid rows, none valid, over budget, a throwing
 * `beforeCommit`: `drop` then removes what was staged), a repeat of a queued campaign (`created` false), or a new
 * campaign to commit.
 */
async function accept(
  ctx: Context,
  opts: EnqueueOptions,
  checked: CheckedCampaign,
  staged: Staged,
  existing: CampaignRecord | null,
  drop: () => Promise<void>,
): Promise<EnqueueResult> {
  const { campaignId } = checked;
  const { problems, invalidCount } = staged;
  if (invalidCount > 0 && !opts.skipInvalid) {
    await drop();
    const listed = problems.map((p) => `row ${p.row}: ${p.reason} (${JSON.stringify(p.value)})`);
    throw new SmsqError(
      'VALIDATION_FAILED',
      `${invalidCount} invalid row(s); nothing was queued.\n${listed.slice(0, 20).join('\n')}${invalidCount > 20 ? '\n…' : ''}`,
      {
        rows: problems,
        invalidCount,
      },
    );
  }
  if (staged.total === 0) {
    await drop();
    // No id named: none was created, and a generated one would send the user looking for a campaign that never was.
    const why = invalidCount > 0 ? `all ${invalidCount} row(s) are invalid` : 'the list has no recipient';
    throw new SmsqError('CAMPAIGN_EMPTY', `No valid recipient (${why}); nothing was queued and no campaign was created.`, {
      rows: problems,
      invalidCount,
    });
  }
  const result: EnqueueResult = {
    campaignId,
    created: existing === null,
    total: staged.total,
    batches: staged.batches,
    duplicatesSkipped: staged.duplicates,
    invalidSkipped: invalidCount,
    suppressed: staged.suppressed,
    invalidRows: problems,
    texts: staged.texts,
  };
  const budget = checkBudget(staged.texts, checked.maxCost);
  const warnings = stagedWarnings(staged, budget.warning);
  if (warnings.length > 0) result.warnings = warnings;
  if (staged.routes.noRoute.count > 0) result.noRoute = staged.routes.noRoute;
  if (existing) {
    if (existing.digest !== staged.digest) {
      throw new SmsqError(
        'CAMPAIGN_CONFLICT',
        `Campaign id ${campaignId} is already used by a campaign with different content or recipients.`,
      );
    }
    // Same campaign again: make sure its split job and index entry exist (a producer may have died after committing).
    await ctx.campaignIndex.add(campaignId, existing.createdAt);
    await addSplitJob(ctx, campaignId, existing.sendAt);
    return result;
  }
  if (budget.refusal) {
    await drop();
    throw budget.refusal;
  }
  if (opts.beforeCommit) {
    let warning: string | void;
    try {
      warning = await opts.beforeCommit(staged.total, {
        campaignId,
        batches: staged.batches,
        byAccount: staged.routes.byAccount,
        texts: staged.texts,
      });
    } catch (err) {
      await drop();
      throw err;
    }
    if (warning) result.warnings = [...(result.warnings ?? []), warning];
  }
  return result;
}

/** What an enqueue and a preview of the same rows warn about: texts forced into UCS-2, a budget not checked, no route. */
export function stagedWarnings(staged: Staged, budgetWarning: string | undefined): string[] {
  const noRoute = noRouteWarning(staged.routes);
  return [...staged.texts.warnings, ...(budgetWarning ? [budgetWarning] : []), ...(noRoute ? [noRoute] : [])];
}

/**
 * Makes the campaign visible and startable. `staging`: its batches are still to be written (a re-readable source),
 * so the record says so, and batch jobs that start first wait for their batch. `pending`: batches staged before
 * (rows read once), made permanent here. Whole or not at all: the split job, which starts the campaign, comes last;
 * until then the record expires by itself (a producer killed meanwhile leaves nothing for long), and a failure
 * (Redis full, read-only or gone) takes back what was written.
 */
async function commit(
  ctx: Context,
  campaignId: string,
  c: Staged & CheckedCampaign & { ignoreFrequencyCap: boolean; callbackUrl?: string },
  staging: boolean,
  pending?: PendingBatches,
): Promise<void> {
  try {
    await commitSteps(ctx, campaignId, c, staging, pending);
  } catch (err) {
    await uncommit(ctx, campaignId, 0).catch(() => undefined);
    throw err;
  }
}

async function commitSteps(
  ctx: Context,
  campaignId: string,
  c: Staged & CheckedCampaign & { ignoreFrequencyCap: boolean; callbackUrl?: string },
  staging: boolean,
  pending?: PendingBatches,
): Promise<void> {
  const { redis, keys } = ctx;
  const now = ctx.clock.now();
  const t = c.timing;
  const scheduled = t.sendAt !== undefined && t.sendAt > now;
  // One HSET: the campaign becomes visible with all its fields at once.
  const createdAt = Date.now();
  const key = keys.campaign(campaignId);
  await redis
    .multi()
    .hset(key, {
      state: scheduled ? 'scheduled' : 'queued',
      ...(t.sendAt !== undefined ? { sendAt: String(t.sendAt) } : {}),
      ...(t.window ? { window: t.window.spec } : {}),
      ...(t.timezone ? { timezone: t.timezone } : {}),
      ...(t.expireAt !== undefined ? { expireAt: String(t.expireAt) } : {}),
      content: c.content,
      senderId: c.senderId ?? '',
      ...(c.accounts ? { accounts: c.accounts.join(',') } : {}),
      priority: c.priority,
      ...(c.maxRate !== undefined ? { maxRate: String(c.maxRate) } : {}),
      ...(c.ignoreFrequencyCap ? { ignoreFrequencyCap: '1' } : {}),
      total: String(c.total),
      batches: String(c.batches),
      digest: c.digest,
      duplicates: String(c.duplicates),
      invalid: String(c.invalidCount),
      createdAt: String(createdAt),
      // A personalised campaign: `content` is its template, and each batch record holds its recipients' fields.
      ...(c.template ? { template: '1' } : {}),
      // A/B variants: the texts and the measure (the canary check job adds the winner and the figures).
      ...(c.variants ? { variants: JSON.stringify({ texts: c.variants.texts, winnerBy: c.variants.winnerBy }) } : {}),
      // Its canary as staged: the split job releases its batches alone, the canary check job the rest.
      ...(c.canary && c.canaryStaged ? canaryFields(c.canary, c.canaryStaged) : {}),
      // Tracked links: the base of its short links, fixed now so that what the preview counted is what is sent.
      ...(c.linkBase ? { linkBase: c.linkBase } : {}),
      // The budget cap in millionths: workers' delivery reports pause the campaign when its cost reaches it.
      ...(c.maxCost !== undefined ? { maxCost: String(c.maxCost) } : {}),
      ...(c.callbackUrl ? { callbackUrl: c.callbackUrl } : {}),
      ...(c.parentId ? { parentId: c.parentId } : {}),
      ...(staging ? { staging: '1', staged: '0' } : {}),
    })
    .pexpire(key, PENDING_TTL_MS)
    .exec();
  await ctx.campaignIndex.add(campaignId, createdAt);
  // Validity: at expireAt whatever is still pending ends expired, even batches waiting for a retry or a window.
  if (t.expireAt !== undefined) {
    await ctx.queues.campaigns.add(
      JOB_NAMES.expire,
      { campaignId },
      { jobId: jobIds.expiry(campaignId), delay: Math.max(0, t.expireAt - now) },
    );
  }
  await pending?.persist();
  await redis.persist(key);
  await addSplitJob(ctx, campaignId, t.sendAt);
}

/** The campaign hash's canary fields at commit: its plan (shared/campaign/canary.ts), and its state. */
function canaryFields(canary: CheckedCanary, staged: NonNullable<Staged['canaryStaged']>): Record<string, string> {
  const plan: CanaryPlan = { size: staged.size, firstBatch: staged.firstBatch, holdMs: canary.holdMs, gates: canary.gates };
  return { canary: JSON.stringify(plan), canaryState: 'sending' };
}

/**
 * Takes back a campaign this producer committed and that can send no one (its commit failed, or not one batch of
 * its file could be written): its record, list entry, waiters and jobs, and the batch jobs its split job may have
 * released (they wait for batches that will never be written). DEL, ZREM and job removal are taken by a full Redis.
 */
async function uncommit(ctx: Context, campaignId: string, batches: number): Promise<void> {
  const { keys, queues } = ctx;
  await ctx.redis.del(keys.campaign(campaignId), keys.stagingWaiters(campaignId));
  await ctx.campaignIndex.remove([campaignId]);
  const released = Array.from({ length: Math.min(batches, ctx.config.releaseAhead) }, (_, k) => jobIds.batch(campaignId, k));
  await Promise.all([
    queues.campaigns.remove(jobIds.campaign(campaignId)),
    queues.campaigns.remove(jobIds.expiry(campaignId)),
    ...released.map((id) => queues.batches.remove(id)),
  ]);
}

/**
 * The job id makes this idempotent: BullMQ ignores an add whose id already exists. A scheduled campaign's split
 * job is delayed to sendAt: BullMQ keeps delayed jobs in Redis, so the schedule survives worker restarts.
 */
async function addSplitJob(ctx: Context, campaignId: string, sendAt?: number): Promise<void> {
  const delay = sendAt === undefined ? 0 : Math.max(0, sendAt - ctx.clock.now());
  await ctx.queues.campaigns.add(JOB_NAMES.split, { campaignId }, { jobId: jobIds.campaign(campaignId), delay });
}

export async function* toRows(recipients: Iterable<RecipientInput> | AsyncIterable<RecipientInput>): AsyncGenerator<RawRow> {
  let row = 0;
  for await (const input of recipients) yield { row: ++row, input };
}
