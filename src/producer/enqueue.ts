import { createHash, randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { Context } from '../shared/context';
import { SmsqError } from '../shared/errors';
import { jobIds } from '../shared/keys';
import { releaseLock } from '../shared/lock';
import { JOB_NAMES } from '../shared/queues';
import { encodeRecipients } from '../shared/recipient-codec';
import { smartEncode } from '../shared/text/encoding';
import { isTemplate, parseTemplate, type Template } from '../shared/text/template';
import type { Recipient, RecipientInput } from '../shared/types';
import { checkBudget, maxCostMicros } from './budget-check';
import { loadPricer } from './pricing';
import type { RawRow } from './read-recipients';
import { DEFAULT_PRIORITY, isPriority, PRIORITIES, type Priority } from '../shared/lanes';
import { TextStats, type TextSummary } from './text-stats';
import { checkCampaignId, checkContent, checkMaxRate, checkSenderId, RecipientValidator, RowProblem } from './validate';
import { resolveTiming, windowRowCheck, type CampaignTiming, type TimingOptions } from './campaign-timing';
import { checkWebhookUrl } from '../shared/webhooks/target-url';

export interface EnqueueOptions extends TimingOptions {
  /** Your id for the campaign; queueing the same id twice never sends twice. Generated when omitted. */
  campaignId?: string;
  /** The text, or a template with `{{field}}` / `{{field|fallback}}` placeholders filled from each recipient's fields. */
  content: string;
  senderId?: string;
  /** The campaign's lane: a waiting batch of a higher priority always starts first. Default `normal`. */
  priority?: Priority;
  /** Recipients per second this campaign may send at most, across all workers. Default: no cap of its own. */
  maxRate?: number;
  /** Send even to numbers that reached SMS_FREQUENCY_CAP (one-time passwords, alerts). Default false. */
  ignoreFrequencyCap?: boolean;
  /** Recipients as objects (an array, or an async iterable to stream millions)… */
  recipients?: Iterable<RecipientInput> | AsyncIterable<RecipientInput>;
  /** …or rows read from a file by `readRecipients`, which carry their line numbers. */
  rows?: AsyncIterable<RawRow>;
  /** Queue the valid recipients and count the bad rows instead of refusing the campaign. Default false. */
  skipInvalid?: boolean;
  /**
   * Where this campaign's webhook events go (http or https), instead of WEBHOOK_URL. Signed with WEBHOOK_SECRET.
   * Kept from the campaign's first enqueue: queueing the same campaign id again does not change it.
   */
  callbackUrl?: string;
  /** Send a number listed twice only once (counted in `duplicatesSkipped`). Default true. */
  dedupe?: boolean;
  /**
   * Budget cap, in the currency of the prices (e.g. 250 for 250 USD): refused (BUDGET_EXCEEDED, nothing queued)
   * when the estimated cost is above it, and paused while sending once the reported cost reaches it.
   */
  maxCost?: number;
  /**
   * Runs once the campaign is staged and valid, just before it is queued, with its recipient count (the
   * balance check). Throwing queues nothing; a returned string is passed on in `warnings`.
   */
  beforeCommit?: (total: number) => Promise<string | void>;
}

export interface EnqueueResult {
  campaignId: string;
  /** False when this campaign id was already queued with the same content and recipients: nothing new queued. */
  created: boolean;
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
  /** What `beforeCommit` warned about (e.g. a balance that may not cover the campaign), and characters forcing UCS-2. */
  warnings?: string[];
  /** Encodings, segments and the estimated cost of the accepted recipients' texts. */
  texts: TextSummary;
}

/** Bad rows listed in an error; the count covers them all. */
const MAX_LISTED_PROBLEMS = 1_000;
/** A campaign being staged expires if its producer dies before committing it. */
const STAGING_TTL_MS = 60 * 60 * 1000;
/** Batches written to Redis at once while staging: enough to hide round trips, little enough to bound memory. */
const STAGING_WRITES_IN_FLIGHT = 8;

/**
 * Validates every recipient while staging them in Redis batch by batch, and queues the campaign only when
 * all of it is valid: a campaign is queued whole or not at all, with bounded memory for any size.
 */
export async function enqueueCampaign(ctx: Context, opts: EnqueueOptions): Promise<EnqueueResult> {
  const checked = checkCampaign(ctx, opts);
  const { campaignId, content, senderId, template, maxCost, timing } = checked;
  const rows = opts.rows ?? toRows(opts.recipients ?? []);
  const { redis, keys } = ctx;

  const lockKey = keys.staging(campaignId);
  const lockToken = randomUUID();
  if ((await redis.set(lockKey, lockToken, 'PX', STAGING_TTL_MS, 'NX')) !== 'OK') {
    throw new SmsqError('CAMPAIGN_BUSY', `Campaign ${campaignId} is being queued by another producer right now; try again when it is done.`);
  }
  try {
    const existing = await ctx.campaigns.read(campaignId);
    // An id that is already queued is read through only to compare, never staged again.
    const stage = existing === null;
    const staged = await stageRows(ctx, campaignId, rows, stage, { content, senderId, template, dedupe: opts.dedupe ?? true, windowCheck: windowRowCheck(timing, ctx.clock.now()) });
    const { problems, invalidCount } = staged;
    if (invalidCount > 0 && !opts.skipInvalid) {
      await dropStaged(ctx, campaignId, staged.batches);
      const listed = problems.map((p) => `row ${p.row}: ${p.reason} (${JSON.stringify(p.value)})`);
      throw new SmsqError('VALIDATION_FAILED', `${invalidCount} invalid row(s); nothing was queued.\n${listed.slice(0, 20).join('\n')}${invalidCount > 20 ? '\n…' : ''}`, {
        rows: problems,
        invalidCount,
      });
    }
    if (staged.total === 0) {
      await dropStaged(ctx, campaignId, staged.batches);
      throw new SmsqError('CAMPAIGN_EMPTY', `Campaign ${campaignId} has no valid recipient; nothing was queued.`);
    }
    const result: EnqueueResult = {
      campaignId,
      created: stage,
      total: staged.total,
      batches: staged.batches,
      duplicatesSkipped: staged.duplicates,
      invalidSkipped: invalidCount,
      suppressed: staged.suppressed,
      invalidRows: problems,
      texts: staged.texts,
    };
    const budget = checkBudget(staged.texts, maxCost);
    const warnings = [...staged.texts.warnings, ...(budget.warning ? [budget.warning] : [])];
    if (warnings.length > 0) result.warnings = warnings;
    if (existing) {
      if (existing.digest !== staged.digest) {
        throw new SmsqError('CAMPAIGN_CONFLICT', `Campaign id ${campaignId} is already used by a campaign with different content or recipients.`);
      }
      // Same campaign again: make sure its split job and index entry exist (a producer may have died after committing).
      await ctx.campaignIndex.add(campaignId, existing.createdAt);
      await addSplitJob(ctx, campaignId, existing.sendAt);
      return result;
    }
    if (budget.refusal) {
      await dropStaged(ctx, campaignId, staged.batches);
      throw budget.refusal;
    }
    if (opts.beforeCommit) {
      let warning: string | void;
      try {
        warning = await opts.beforeCommit(staged.total);
      } catch (err) {
        await dropStaged(ctx, campaignId, staged.batches);
        throw err;
      }
      if (warning) result.warnings = [...(result.warnings ?? []), warning];
    }
    await commit(ctx, campaignId, { ...checked, ignoreFrequencyCap: opts.ignoreFrequencyCap ?? false, callbackUrl: opts.callbackUrl, ...staged });
    ctx.log.info({ campaignId, total: staged.total, batches: staged.batches, duplicates: staged.duplicates }, 'campaign queued');
    return result;
  } finally {
    await releaseLock(redis, lockKey, lockToken);
  }
}

/** A campaign's own fields, checked and ready: the content after smart encoding, parsed as a template when it is one. */
export interface CheckedCampaign {
  campaignId: string;
  content: string;
  senderId?: string;
  template?: Template;
  /** The budget cap in millionths. */
  maxCost?: number;
  priority: Priority;
  maxRate?: number;
  timing: CampaignTiming;
}

/** Checks the campaign's fields (not its recipients); throws VALIDATION_FAILED naming each bad one. */
export function checkCampaign(ctx: Context, opts: Omit<EnqueueOptions, 'recipients' | 'rows'>): CheckedCampaign {
  const campaignId = opts.campaignId ?? randomUUID();
  const content = typeof opts.content === 'string' && ctx.config.texts.smartEncoding ? smartEncode(opts.content) : opts.content;
  const senderId = opts.senderId ?? ctx.config.gateway.senderId;
  const parsed = typeof content === 'string' && isTemplate(content) ? parseTemplate(content) : undefined;
  const cap = opts.maxCost === undefined ? undefined : maxCostMicros(opts.maxCost);
  const { timing, problems: timingProblems } = resolveTiming(opts, ctx.clock.now());
  const fieldProblems = [
    ...timingProblems,
    ['priority', opts.priority === undefined || isPriority(opts.priority) ? null : `must be one of ${PRIORITIES.join(', ')}`],
    ['maxRate', opts.maxRate === undefined ? null : checkMaxRate(opts.maxRate)],
    ['callbackUrl', opts.callbackUrl === undefined ? null : checkCallbackUrl(opts.callbackUrl, ctx.config.webhooks.secret)],
    ['campaignId', checkCampaignId(campaignId)],
    ['content', checkContent(content) ?? (parsed && !parsed.ok ? parsed.reason : null)],
    ['senderId', senderId === undefined ? null : checkSenderId(senderId)],
    ['maxCost', typeof cap === 'string' ? cap : null],
  ].filter((p): p is [string, string] => p[1] !== null);
  if (fieldProblems.length > 0) {
    throw new SmsqError('VALIDATION_FAILED', fieldProblems.map(([f, r]) => `${f}: ${r}`).join('; '), {
      fields: Object.fromEntries(fieldProblems),
    });
  }
  return {
    campaignId,
    content,
    senderId,
    template: parsed?.ok ? parsed.template : undefined,
    maxCost: typeof cap === 'number' ? cap : undefined,
    priority: opts.priority ?? DEFAULT_PRIORITY,
    maxRate: opts.maxRate,
    timing,
  };
}

export interface Staged {
  total: number;
  /** Recipients on the suppression list while staged. */
  suppressed: number;
  batches: number;
  duplicates: number;
  invalidCount: number;
  problems: RowProblem[];
  digest: string;
  texts: TextSummary;
  /** The first few accepted recipients and their texts (what a preview shows). */
  samples: Array<{ number: string; orderId: string; text: string }>;
}

const SAMPLES = 3;

/**
 * Validates every row and, when `stage` is true, writes the accepted recipients batch by batch. A preview runs
 * exactly this with `stage` false: the same checks and counts, nothing written.
 */
export async function stageRows(
  ctx: Context,
  campaignId: string,
  rows: AsyncIterable<RawRow>,
  stage: boolean,
  opts: { content: string; senderId?: string; template?: Template; dedupe: boolean; windowCheck?: (row: number, r: Recipient) => RowProblem | null },
): Promise<Staged> {
  const { redis, keys, config } = ctx;
  const validator = new RecipientValidator({
    dedupe: opts.dedupe,
    template: opts.template,
    content: opts.content,
    prepare: config.texts.smartEncoding ? smartEncode : undefined,
  });
  const texts = new TextStats(await loadPricer(ctx));
  const samples: Staged['samples'] = [];
  // The digest identifies the campaign's content and accepted recipients (with their fields), to tell a repeat
  // from a conflict.
  const digest = createHash('sha256').update(JSON.stringify([opts.content, opts.senderId ?? ''])).update('\n');
  const problems: RowProblem[] = [];
  let invalidCount = 0;
  let total = 0;
  let batches = 0;
  let buffer: Recipient[] = [];
  let suppressed = 0;
  const limit = pLimit(STAGING_WRITES_IN_FLIGHT);
  let writes: Promise<unknown>[] = [];

  const flush = async () => {
    const k = batches++;
    if (stage && invalidCount === 0) {
      const key = keys.batch(campaignId, k);
      const data = encodeRecipients(buffer);
      writes.push(limit(() => redis.multi().hset(key, 'r', data).pexpire(key, STAGING_TTL_MS).exec()));
    }
    // Counted by a preview too: what the list would keep out if the campaign were sent now.
    if (config.optOut.suppressionCheck && invalidCount === 0) {
      const numbers = buffer.map((r) => r.number);
      writes.push(limit(async () => {
        const found = await ctx.suppressions.which(numbers);
        suppressed += found.size; // after the await: `x += await y` would read x before other batches added to it
      }));
    }
    // Backpressure: never hold more than a few batches that Redis has not taken yet.
    if (writes.length >= STAGING_WRITES_IN_FLIGHT * 2) {
      await Promise.all(writes);
      writes = [];
    }
    buffer = [];
  };

  const invalid = (p: RowProblem) => {
    invalidCount++;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push(p);
  };

  for await (const raw of rows) {
    if ('problem' in raw) {
      invalid(raw.problem);
      continue;
    }
    const checked = validator.check(raw.row, raw.input);
    const outside = checked.kind === 'ok' && opts.windowCheck ? opts.windowCheck(raw.row, checked.recipient) : null;
    if (checked.kind === 'invalid') invalid(checked.problem);
    else if (outside) invalid(outside);
    else if (checked.kind === 'ok') {
      const r = checked.recipient;
      digest.update(r.values ? `${r.number},${r.orderId}\t${JSON.stringify(r.values)}` : `${r.number},${r.orderId}`);
      digest.update(r.zone === undefined ? '\n' : `\x1f${r.zone}\n`);
      texts.add(r.number, checked.text);
      if (samples.length < SAMPLES) samples.push({ number: r.number, orderId: r.orderId, text: checked.text });
      total++;
      buffer.push(r);
      if (buffer.length === config.batchSize) await flush();
    }
  }
  if (buffer.length > 0) await flush();
  await Promise.all(writes);
  return { total, suppressed, batches, duplicates: validator.duplicates, invalidCount, problems, digest: digest.digest('hex'), texts: texts.summary(), samples };
}

async function commit(ctx: Context, campaignId: string, c: Staged & CheckedCampaign & { ignoreFrequencyCap: boolean; callbackUrl?: string }): Promise<void> {
  const { redis, keys } = ctx;
  for (let k = 0; k < c.batches; k += 500) {
    const p = redis.pipeline();
    for (let j = k; j < Math.min(k + 500, c.batches); j++) p.persist(keys.batch(campaignId, j));
    await p.exec();
  }
  const now = ctx.clock.now();
  const t = c.timing;
  const scheduled = t.sendAt !== undefined && t.sendAt > now;
  // One HSET: the campaign becomes visible with all its fields at once.
  const createdAt = Date.now();
  await redis.hset(keys.campaign(campaignId), {
    state: scheduled ? 'scheduled' : 'queued',
    ...(t.sendAt !== undefined ? { sendAt: String(t.sendAt) } : {}),
    ...(t.window ? { window: t.window.spec } : {}),
    ...(t.timezone ? { timezone: t.timezone } : {}),
    ...(t.expireAt !== undefined ? { expireAt: String(t.expireAt) } : {}),
    content: c.content,
    senderId: c.senderId ?? '',
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
    // The budget cap in millionths: workers' delivery reports pause the campaign when its cost reaches it.
    ...(c.maxCost !== undefined ? { maxCost: String(c.maxCost) } : {}),
    ...(c.callbackUrl ? { callbackUrl: c.callbackUrl } : {}),
  });
  await ctx.campaignIndex.add(campaignId, createdAt);
  await addSplitJob(ctx, campaignId, t.sendAt);
  // Validity: at expireAt whatever is still pending ends expired, even batches waiting for a retry or a window.
  if (t.expireAt !== undefined) {
    await ctx.queues.campaigns.add(JOB_NAMES.expire, { campaignId }, { jobId: jobIds.expiry(campaignId), delay: Math.max(0, t.expireAt - now) });
  }
}

/**
 * The job id makes this idempotent: BullMQ ignores an add whose id already exists. A scheduled campaign's split
 * job is delayed to sendAt: BullMQ keeps delayed jobs in Redis, so the schedule survives worker restarts.
 */
async function addSplitJob(ctx: Context, campaignId: string, sendAt?: number): Promise<void> {
  const delay = sendAt === undefined ? 0 : Math.max(0, sendAt - ctx.clock.now());
  await ctx.queues.campaigns.add(JOB_NAMES.split, { campaignId }, { jobId: jobIds.campaign(campaignId), delay });
}

async function dropStaged(ctx: Context, campaignId: string, batches: number): Promise<void> {
  for (let k = 0; k < batches; k += 500) {
    const p = ctx.redis.pipeline();
    for (let j = k; j < Math.min(k + 500, batches); j++) p.del(ctx.keys.batch(campaignId, j));
    await p.exec();
  }
}

/** A callback URL is refused when it is not http(s), or when there is no secret to sign its events with. */
function checkCallbackUrl(url: unknown, secret: string | undefined): string | null {
  const problem = checkWebhookUrl(url);
  if (problem) return problem;
  return secret ? null : 'needs WEBHOOK_SECRET to be set, so that its events can be signed';
}

export async function* toRows(recipients: Iterable<RecipientInput> | AsyncIterable<RecipientInput>): AsyncGenerator<RawRow> {
  let row = 0;
  for await (const input of recipients) yield { row: ++row, input };
}
