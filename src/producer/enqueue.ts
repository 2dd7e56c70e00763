import { createHash, randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { Context } from '../shared/context';
import { SmsqError } from '../shared/errors';
import { jobIds } from '../shared/keys';
import { JOB_NAMES } from '../shared/queues';
import { encodeRecipients } from '../shared/recipient-codec';
import type { Recipient, RecipientInput } from '../shared/types';
import type { RawRow } from './read-recipients';
import { checkCampaignId, checkContent, checkSenderId, RecipientValidator, RowProblem } from './validate';
import { checkWebhookUrl } from '../shared/webhooks/target-url';

export interface EnqueueOptions {
  /** Your id for the campaign; queueing the same id twice never sends twice. Generated when omitted. */
  campaignId?: string;
  content: string;
  senderId?: string;
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
  /** With `skipInvalid`: the skipped rows (the first 1,000), each with its row number and reason. */
  invalidRows: RowProblem[];
  /** What `beforeCommit` warned about (e.g. a balance that may not cover the campaign). */
  warnings?: string[];
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
  const campaignId = opts.campaignId ?? randomUUID();
  const content = opts.content;
  const senderId = opts.senderId ?? ctx.config.gateway.senderId;
  const fieldProblems = [
    ['campaignId', checkCampaignId(campaignId)],
    ['content', checkContent(content)],
    ['senderId', senderId === undefined ? null : checkSenderId(senderId)],
    ['callbackUrl', opts.callbackUrl === undefined ? null : checkCallbackUrl(opts.callbackUrl, ctx.config.webhooks.secret)],
  ].filter((p): p is [string, string] => p[1] !== null);
  if (fieldProblems.length > 0) {
    throw new SmsqError('VALIDATION_FAILED', fieldProblems.map(([f, r]) => `${f}: ${r}`).join('; '), {
      fields: Object.fromEntries(fieldProblems),
    });
  }
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
    const staged = await stageRows(ctx, campaignId, rows, stage, { content, senderId, dedupe: opts.dedupe ?? true });
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
      invalidRows: problems,
    };
    if (existing) {
      if (existing.digest !== staged.digest) {
        throw new SmsqError('CAMPAIGN_CONFLICT', `Campaign id ${campaignId} is already used by a campaign with different content or recipients.`);
      }
      // Same campaign again: make sure its split job exists (a producer may have died after committing).
      await addSplitJob(ctx, campaignId);
      return result;
    }
    if (opts.beforeCommit) {
      let warning: string | void;
      try {
        warning = await opts.beforeCommit(staged.total);
      } catch (err) {
        await dropStaged(ctx, campaignId, staged.batches);
        throw err;
      }
      if (warning) result.warnings = [warning];
    }
    await commit(ctx, campaignId, { content, senderId, callbackUrl: opts.callbackUrl, ...staged });
    ctx.log.info({ campaignId, total: staged.total, batches: staged.batches, duplicates: staged.duplicates }, 'campaign queued');
    return result;
  } finally {
    await redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, lockKey, lockToken);
  }
}

interface Staged {
  total: number;
  batches: number;
  duplicates: number;
  invalidCount: number;
  problems: RowProblem[];
  digest: string;
}

async function stageRows(
  ctx: Context,
  campaignId: string,
  rows: AsyncIterable<RawRow>,
  stage: boolean,
  opts: { content: string; senderId?: string; dedupe: boolean },
): Promise<Staged> {
  const { redis, keys, config } = ctx;
  const validator = new RecipientValidator({ dedupe: opts.dedupe });
  // The digest identifies the campaign's content and accepted recipients, to tell a repeat from a conflict.
  const digest = createHash('sha256').update(JSON.stringify([opts.content, opts.senderId ?? ''])).update('\n');
  const problems: RowProblem[] = [];
  let invalidCount = 0;
  let total = 0;
  let batches = 0;
  let buffer: Recipient[] = [];
  const limit = pLimit(STAGING_WRITES_IN_FLIGHT);
  let writes: Promise<unknown>[] = [];

  const flush = async () => {
    const k = batches++;
    if (stage && invalidCount === 0) {
      const key = keys.batch(campaignId, k);
      const data = encodeRecipients(buffer);
      writes.push(limit(() => redis.multi().hset(key, 'r', data).pexpire(key, STAGING_TTL_MS).exec()));
      // Backpressure: never hold more than a few batches that Redis has not taken yet.
      if (writes.length >= STAGING_WRITES_IN_FLIGHT * 2) {
        await Promise.all(writes);
        writes = [];
      }
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
    if (checked.kind === 'invalid') invalid(checked.problem);
    else if (checked.kind === 'ok') {
      const r = checked.recipient;
      digest.update(`${r.number},${r.orderId}\n`);
      total++;
      buffer.push(r);
      if (buffer.length === config.batchSize) await flush();
    }
  }
  if (buffer.length > 0) await flush();
  await Promise.all(writes);
  return { total, batches, duplicates: validator.duplicates, invalidCount, problems, digest: digest.digest('hex') };
}

async function commit(ctx: Context, campaignId: string, c: Staged & { content: string; senderId?: string; callbackUrl?: string }): Promise<void> {
  const { redis, keys } = ctx;
  for (let k = 0; k < c.batches; k += 500) {
    const p = redis.pipeline();
    for (let j = k; j < Math.min(k + 500, c.batches); j++) p.persist(keys.batch(campaignId, j));
    await p.exec();
  }
  // One HSET: the campaign becomes visible with all its fields at once.
  await redis.hset(keys.campaign(campaignId), {
    state: 'queued',
    content: c.content,
    senderId: c.senderId ?? '',
    total: String(c.total),
    batches: String(c.batches),
    digest: c.digest,
    duplicates: String(c.duplicates),
    invalid: String(c.invalidCount),
    createdAt: String(Date.now()),
    split: '0',
    ...(c.callbackUrl ? { callbackUrl: c.callbackUrl } : {}),
  });
  await addSplitJob(ctx, campaignId);
}

async function addSplitJob(ctx: Context, campaignId: string): Promise<void> {
  // The job id makes this idempotent: BullMQ ignores an add whose id already exists.
  await ctx.queues.campaigns.add(JOB_NAMES.split, { campaignId }, { jobId: jobIds.campaign(campaignId) });
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

async function* toRows(recipients: Iterable<RecipientInput> | AsyncIterable<RecipientInput>): AsyncGenerator<RawRow> {
  let row = 0;
  for await (const input of recipients) yield { row: ++row, input };
}
