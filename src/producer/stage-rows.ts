/**
 * One pass over a campaign's rows: each checked, counted and cut into batches, which a `BatchWriter` writes (or
 * nothing does: a preview, and the validating first pass of a file). Enqueue and preview run exactly this, so
 * their counts agree.
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { Context } from '../shared/context';
import { SmsqError } from '../shared/errors';
import type { StagedCheck } from '../shared/opt-out/list-version';
import { encodeRecipients } from '../shared/recipient/codec';
import { smartEncode } from '../shared/text/encoding';
import { withPreviewLinks } from '../shared/links/link-text';
import { CanarySample, type CanarySize } from './canary-sample';
import type { Template } from '../shared/text/template';
import type { Recipient } from '../shared/types';
import { RouteTally, type RouteSummary } from './account-routes';
import { loadPricer } from './pricing';
import { rowBatches, type RawRow } from './read-recipients';
import { TextStats, type TextSummary } from './text-stats';
import { RecipientValidator, type RowProblem } from './validate';

/** Bad rows listed in an error; the count covers them all. */
export const MAX_LISTED_PROBLEMS = 1_000;
/** Batches written to Redis at once while staging: enough to hide round trips, little enough to bound memory. */
const WRITES_IN_FLIGHT = 8;
/** The first few accepted recipients and their texts (what a preview shows). */
const SAMPLES = 3;

/**
 * Writes one batch, with what the suppression list held for it when it was looked at (none when it was not); 'ended'
 * when the campaign no longer takes batches (its staging was ended meanwhile).
 */
export type BatchWriter = (batch: number, encoded: string, count: number, check?: StagedCheck) => Promise<'ended' | void>;

export interface StageOptions {
  content: string;
  /** The campaign's sender ID (its own, or SMS_SENDER_ID): which accounts may send with it. */
  senderId?: string;
  /** The accounts the campaign pins, if any. */
  accounts?: readonly string[];
  template?: Template;
  /** A/B variants as templates over their shared fields (`template` is the first): each is rendered, checked and priced. */
  variants?: readonly Template[];
  /** With tracked links: LINK_BASE_URL, so that texts are counted with each link as long as its short link will be. */
  linkBase?: string;
  /**
   * A canary drawn from the list (canary-sample.ts, seeded with `seed`): its recipients are staged after all the
   * others, in batches of their own (`Staged.canary`), so that they can be sent first and the rest held.
   */
  canary?: { size: CanarySize; seed: string };
  dedupe: boolean;
  /**
   * Invalid rows are skipped rather than fatal: batches go on being written (and their suppressions counted) after
   * one. Without it a pass stops writing at the first invalid row, as the campaign will be refused.
   */
  skipInvalid: boolean;
  windowCheck?: (row: number, r: Recipient) => RowProblem | null;
  /** Writes each batch; none for a pass that only validates and counts. */
  write?: BatchWriter;
  /** Look the numbers up in the suppression list (Redis) to count them. */
  countSuppressed: boolean;
  /**
   * The tenant whose own suppression list binds the campaign too (SMS_SUPPRESSION_SCOPE=tenant): staging records
   * what either list holds, as BEGIN_CALL then looks up both.
   */
  suppressionTenant?: string;
  /**
   * Each batch's digest from an earlier pass over the same source: a batch that differs is not written, and the
   * pass ends with INPUT_CHANGED (the file changed between the two readings). Such a pass neither renders nor
   * measures texts: a row whose fields are the earlier pass's renders the text that pass checked, and a row whose
   * fields differ changes its batch's digest. Its `texts`, `samples` and `routes` are then empty.
   */
  expectBatches?: readonly string[];
  /**
   * Render each text even in a pass with `expectBatches`: when the earlier pass refused rows, those it refused for
   * their rendered text (a missing field, a text too long) must be refused again, or they would be staged.
   */
  renderTexts?: boolean;
}

export interface Staged {
  total: number;
  /** Recipients on the suppression list while staged (0 when not counted). */
  suppressed: number;
  batches: number;
  duplicates: number;
  invalidCount: number;
  problems: RowProblem[];
  /** Identifies the campaign's content and accepted recipients (with their fields), to tell a repeat from a conflict. */
  digest: string;
  /** The same, batch by batch: what a second pass over the source must find again. */
  batchDigests: string[];
  /**
   * The texts' encodings, segments and estimated cost; with A/B variants, the costliest variant's (the most the
   * campaign can cost, whichever wins), so that the budget cap and a tenant's daily share hold whatever the canary picks.
   */
  texts: TextSummary;
  /** With A/B variants: each one's texts as if every recipient got it, in the variants' order. */
  variantTexts?: TextSummary[];
  samples: Array<{ number: string; orderId: string; text: string }>;
  /** Which account each recipient would be tried on first, and those no account may send to. */
  routes: RouteSummary;
  /** Set when a writer answered 'ended': batches from this one on were not written. */
  endedAt?: number;
  /** With a canary: its recipients, and the first of its batches (the campaign's last ones). */
  canaryStaged?: { size: number; firstBatch: number };
}

/** What the suppression list holds for a batch's recipients now: their StagedCheck, and how many numbers are listed. */
async function listedAt(ctx: Context, recipients: Recipient[], tenant?: string): Promise<{ check: StagedCheck; found: number }> {
  const { version, listed } = await ctx.suppressions.listedAmong(
    recipients.map((r) => r.number),
    tenant,
  );
  const indices: number[] = [];
  if (listed.size > 0) recipients.forEach((r, i) => listed.has(r.number) && indices.push(i));
  return { check: { version, listed: indices }, found: listed.size };
}

/** `texts` and, with variants, each variant's summary (see Staged). */
function textSummaries(first: TextStats, others: TextStats[], variants: boolean): Pick<Staged, 'texts' | 'variantTexts'> {
  if (!variants) return { texts: first.summary() };
  const all = [first.summary(), ...others.map((o) => o.summary())];
  return { texts: all.reduce((a, b) => (b.segments > a.segments ? b : a)), variantTexts: all };
}

/** The variants' texts for the digest: a campaign queued again with other variants is another campaign. */
function variantTexts(variants: readonly Template[] | undefined): string[] {
  return (variants ?? []).map((t) => JSON.stringify([t.texts, t.slots]));
}

export async function stageRows(ctx: Context, rows: AsyncIterable<RawRow>, opts: StageOptions): Promise<Staged> {
  const { config } = ctx;
  // A pass checked against an earlier one's digests renders and measures no texts (see expectBatches).
  const measure = opts.expectBatches === undefined;
  const validator = new RecipientValidator({
    dedupe: opts.dedupe,
    template: opts.template,
    variants: opts.variants,
    content: opts.content,
    prepare: config.texts.smartEncoding ? smartEncode : undefined,
    renderTexts: measure || opts.renderTexts === true,
  });
  // Whether this pass writes (and counts suppressions) from here on: not past an invalid row of a refused campaign.
  const writing = () => invalidCount === 0 || opts.skipInvalid;
  const pricer = await loadPricer(ctx);
  const texts = new TextStats(pricer);
  // Variant A's stats are `texts`; the others' are counted beside them.
  const others = (opts.variants ?? []).slice(1).map(() => new TextStats(pricer));
  const routes = new RouteTally(ctx.router, opts.senderId, opts.accounts);
  const samples: Staged['samples'] = [];
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        opts.content,
        opts.senderId ?? '',
        ...(opts.linkBase || opts.variants ? [opts.linkBase ?? ''] : []),
        ...variantTexts(opts.variants),
      ]),
    )
    .update('\n');
  const batchDigests: string[] = [];
  const problems: RowProblem[] = [];
  let invalidCount = 0;
  let total = 0;
  let batches = 0;
  let buffer: Recipient[] = [];
  // The digest's text for the batch being filled: hashed once per batch, not once per row.
  let part = '';
  let suppressed = 0;
  let endedAt: number | undefined;
  const sample = opts.canary ? new CanarySample<Recipient>(opts.canary.size, opts.canary.seed) : undefined;
  let canaryFirst: number | undefined;
  // A fixed text is the same on every row: its links are found once, not once per row.
  let lastText: string | undefined;
  let lastSent = '';
  const sentText = (text: string): string => {
    if (opts.linkBase === undefined) return text;
    if (text !== lastText) {
      lastText = text;
      lastSent = withPreviewLinks(text, opts.linkBase);
    }
    return lastSent;
  };
  const pool = pLimit(WRITES_IN_FLIGHT);
  // A write that fails (Redis full, read-only or gone) is thrown by the next Promise.all over `writes`; until then
  // it is marked handled, or Node would end the process on it (an unhandled rejection) while rows are still read.
  const limit = <T>(write: () => Promise<T>): Promise<T> => {
    const p = pool(write);
    p.catch(() => undefined);
    return p;
  };
  let writes: Promise<unknown>[] = [];

  const flush = async () => {
    const k = batches++;
    // Encoded once for both hashes: each would otherwise turn the string into UTF-8 again.
    const bytes = Buffer.from(part);
    digest.update(bytes);
    const batchDigest = createHash('sha1').update(bytes).digest('base64');
    batchDigests.push(batchDigest);
    part = '';
    if (opts.expectBatches && opts.expectBatches[k] !== batchDigest) {
      throw new SmsqError('INPUT_CHANGED', `The recipients changed while they were read (batch ${k + 1} differs from the first reading).`, {
        batch: k,
      });
    }
    const write = writing() ? opts.write : undefined;
    // Counted by a preview too: what the list would keep out if the campaign were sent now.
    const check = opts.countSuppressed && config.optOut.suppressionCheck && writing();
    if (write || check) {
      const recipients = buffer;
      writes.push(
        limit(async () => {
          // Looked up before the write, which records it with the recipients: a call's start then looks up only
          // those found listed and the numbers changed since (see shared/opt-out/list-version.ts).
          const seen = check ? await listedAt(ctx, recipients, opts.suppressionTenant) : undefined;
          if (seen) suppressed += seen.found; // after the await: `x += await y` would read x before other batches added to it
          if (write && (await write(k, encodeRecipients(recipients), recipients.length, seen?.check)) === 'ended')
            endedAt = Math.min(endedAt ?? k, k);
        }),
      );
    }
    // Backpressure: never hold more than a few batches that Redis has not taken yet.
    if (writes.length >= WRITES_IN_FLIGHT * 2) {
      await Promise.all(writes);
      writes = [];
    }
    buffer = [];
  };

  const invalid = (p: RowProblem) => {
    invalidCount++;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push(p);
  };

  /** Checks one row and adds it to the batch being filled; true when that batch is full. */
  const take = (raw: RawRow): boolean => {
    if ('problem' in raw) {
      invalid(raw.problem);
      return false;
    }
    const checked = validator.check(raw.row, raw.input);
    const outside = checked.kind === 'ok' && opts.windowCheck ? opts.windowCheck(raw.row, checked.recipient) : null;
    if (checked.kind === 'invalid') invalid(checked.problem);
    else if (outside) invalid(outside);
    else if (checked.kind === 'ok') {
      const r = checked.recipient;
      const text = measure ? sentText(checked.text) : '';
      if (measure) {
        texts.add(r.number, text);
        if (checked.texts) for (let k = 1; k < checked.texts.length; k++) others[k - 1].add(r.number, sentText(checked.texts[k]));
        routes.add(raw.row, r.number);
      }
      if (measure && samples.length < SAMPLES) samples.push({ number: r.number, orderId: r.orderId, text });
      total++;
      const rest = sample ? sample.offer(r) : r;
      return rest !== undefined && add(rest);
    }
    return false;
  };

  /** Adds a recipient to the batch being filled; true when that batch is full. */
  const add = (r: Recipient): boolean => {
    part += r.values ? `${r.number},${r.orderId}\t${JSON.stringify(r.values)}` : `${r.number},${r.orderId}`;
    part += r.zone === undefined ? '\n' : `\x1f${r.zone}\n`;
    buffer.push(r);
    return buffer.length === config.batchSize;
  };

  try {
    const batchesRead = rowBatches(rows);
    if (batchesRead !== null) {
      reading: for await (const batch of batchesRead) {
        // Indexed: for…of here allocated an iterator result per row (40 MB for a million rows).
        for (let i = 0; i < batch.length; i++) {
          if (take(batch[i])) {
            await flush();
            if (endedAt !== undefined) break reading;
          }
        }
      }
    } else {
      for await (const raw of rows) {
        if (take(raw)) {
          await flush();
          if (endedAt !== undefined) break;
        }
      }
    }
    if (buffer.length > 0 && endedAt === undefined) await flush();
    // The canary's batches come last: the split job releases them alone (see shared/campaign/canary.ts).
    canaryFirst = batches;
    if (sample && endedAt === undefined)
      for (const r of sample.canary) {
        if (add(r)) await flush();
        if (endedAt !== undefined) break;
      }
    if (buffer.length > 0 && endedAt === undefined) await flush();
    if (opts.expectBatches && endedAt === undefined && batches < opts.expectBatches.length) {
      throw new SmsqError(
        'INPUT_CHANGED',
        `The recipients changed while they were read (they end at batch ${batches}, the first reading had ${opts.expectBatches.length}).`,
        { batch: batches },
      );
    }
    await Promise.all(writes);
  } finally {
    // Whatever stopped the reading, the writes already started end before this returns or throws, so the caller
    // sees Redis as it will stay.
    await Promise.allSettled(writes);
  }
  return {
    total,
    suppressed,
    batches,
    duplicates: validator.duplicates,
    invalidCount,
    problems,
    digest: digest.digest('hex'),
    batchDigests,
    ...textSummaries(texts, others, opts.variants !== undefined),
    samples,
    routes: routes.summary(),
    endedAt,
    ...(sample ? { canaryStaged: { size: sample.canary.length, firstBatch: canaryFirst ?? batches } } : {}),
  };
}
