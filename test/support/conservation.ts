/**
 * The conservation suite's model: generated recipient lists with bad rows anywhere, what smsq must make of them
 * (derived here independently of the producer), and the check that what reached the simulator's ledger and what
 * the results and counts say is exactly that — every valid recipient once with its text, every invalid one named.
 */
import fc from 'fast-check';
import type { Producer } from '../../src/producer';
import type { CampaignInfo, RecipientResult } from '../../src/shared/types';
import type { Simulator } from '../../src/simulator';
import { campaignEnded, resultsOf } from './campaigns';
import { keysMatching, testRedis } from './env';

/** A fixed default seed, so a run is repeatable; `FC_SEED=n` explores others. fast-check prints the seed on failure. */
export const FC_SEED = process.env.FC_SEED === undefined ? 20_261_207 : Number(process.env.FC_SEED);
/** Small batches, so that a list of a few hundred rows spans many and a bad row falls in any of them. */
export const CONSERVATION_BATCH_SIZE = 20;

type RowKind = 'valid' | 'badNumber' | 'dupNumber' | 'dupOrderId' | 'missingField' | 'blank';

/** One row of a generated list as written: a blank line has no recipient. */
export interface ListRow {
  number?: string;
  orderId?: string;
  name?: string;
}

/** The options a run of the property varies: each changes what is staged or sent. */
export interface RunOptions {
  skipInvalid: boolean;
  dedupe: boolean;
  template: boolean;
  /** `sendAt` this many ms after the enqueue, when set. */
  scheduleMs?: number;
  window: boolean;
  /** Suppress about this share of the valid numbers before queueing (0: none). */
  suppressEvery: number;
}

export interface GeneratedCase {
  rows: ListRow[];
  options: RunOptions;
}

/** `value` three times in four. */
const mostly = (value: boolean) => fc.oneof({ weight: 3, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: fc.constant(!value) });

const kinds = fc.oneof(
  { weight: 30, arbitrary: fc.constant<RowKind>('valid') },
  { weight: 1, arbitrary: fc.constantFrom<RowKind>('badNumber', 'dupNumber', 'dupOrderId', 'missingField', 'blank') },
);

/**
 * Lists of up to `maxRows` rows, mostly valid, with invalid numbers, repeated numbers and orderIds, rows without
 * the template's field and blank lines anywhere. `blankLines`: false for paths where a row is an object (no line).
 */
export function generatedCases(
  maxRows: number,
  { blankLines = true, dedupeOff = true, schedule = true } = {},
): fc.Arbitrary<GeneratedCase> {
  const row = fc.record({ kind: kinds, withOrderId: fc.boolean(), pick: fc.nat() });
  return fc
    .record({
      seeds: fc.array(row, { minLength: 1, maxLength: maxRows, size: 'max' }),
      options: fc.record({
        skipInvalid: mostly(true), // the path that used to lose recipients
        dedupe: dedupeOff ? mostly(true) : fc.constant(true),
        template: fc.boolean(),
        scheduleMs: schedule ? fc.option(fc.constant(1_500), { freq: 3 }).map((v) => v ?? undefined) : fc.constant(undefined),
        window: fc.boolean(),
        suppressEvery: fc.constantFrom(0, 0, 5, 11),
      }),
    })
    .map(({ seeds, options }) => ({ options, rows: buildRows(seeds, blankLines) }));
}

let nextBase = 447_800_000_000 + (process.pid % 1000) * 100_000;

/** Turns the generated kinds into concrete rows; each case has numbers of its own, so runs never share one. */
function buildRows(seeds: Array<{ kind: RowKind; withOrderId: boolean; pick: number }>, blankLines: boolean): ListRow[] {
  const base = nextBase;
  nextBase += seeds.length + 1;
  const numbers: string[] = [];
  const orderIds: string[] = [];
  const rows: ListRow[] = [];
  seeds.forEach(({ kind, withOrderId, pick }, i) => {
    const fresh = String(base + i);
    const orderId = withOrderId ? `o${base + i}` : undefined;
    const name = `n${i}`;
    let r: ListRow;
    if (kind === 'blank') {
      if (!blankLines) return;
      r = {};
    } else if (kind === 'badNumber') r = { number: `12a${i}`, orderId, name };
    else if (kind === 'dupNumber' && numbers.length > 0) r = { number: numbers[pick % numbers.length], orderId, name };
    else if (kind === 'dupOrderId' && orderIds.length > 0) r = { number: fresh, orderId: orderIds[pick % orderIds.length], name };
    else if (kind === 'missingField') r = { number: fresh, orderId };
    else r = { number: fresh, orderId, name };
    if (r.number !== undefined) numbers.push(r.number);
    if (r.orderId !== undefined) orderIds.push(r.orderId);
    rows.push(r);
  });
  return rows;
}

export function contentOf(tag: string, template: boolean): string {
  return template ? `${tag} Hi {{name}}` : `${tag} hello`;
}

export interface Expected {
  /** Accepted recipients in order, with the text each must receive. */
  accepted: Array<{ number: string; orderId: string; text: string }>;
  /** The lines (or list positions) of the invalid rows. */
  invalidRows: number[];
  duplicates: number;
}

/**
 * What smsq must accept, skip and refuse, from the input rules in docs/campaigns.md: a bad number is invalid; a caller's
 * orderId used before (by a row that got as far as its orderId) is invalid; a template field left empty is invalid;
 * then, with dedupe, a number accepted before is a duplicate. `firstRow` is the row number of rows[0] (2 under a
 * CSV header), and a blank line takes a row number but is no recipient.
 */
export function expectedOf(rows: ListRow[], tag: string, opts: RunOptions, firstRow = 1): Expected {
  const seen = new Set<string>();
  const used = new Set<string>();
  const out: Expected = { accepted: [], invalidRows: [], duplicates: 0 };
  rows.forEach((r, i) => {
    const row = firstRow + i;
    if (r.number === undefined) return;
    if (!/^\d+$/.test(r.number)) return void out.invalidRows.push(row);
    if (r.orderId !== undefined) {
      if (used.has(r.orderId)) return void out.invalidRows.push(row);
      used.add(r.orderId);
    }
    if (opts.template && r.name === undefined) return void out.invalidRows.push(row);
    if (opts.dedupe && seen.has(r.number)) return void out.duplicates++;
    seen.add(r.number);
    out.accepted.push({
      number: r.number,
      orderId: r.orderId ?? `smsq-${row}`,
      text: opts.template ? `${tag} Hi ${r.name}` : `${tag} hello`,
    });
  });
  return out;
}

/** The numbers to put on the suppression list before queueing: every n-th accepted recipient's. */
export function toSuppress(expected: Expected, every: number): string[] {
  if (every === 0) return [];
  return [...new Set(expected.accepted.filter((_, i) => i % every === 0).map((a) => a.number))];
}

/** Options as the library and the API's JSON body take them. */
export function campaignFields(
  opts: RunOptions,
  now = Date.now(),
): { sendAt?: string; window?: string; timezone?: string; dedupe: boolean } {
  return {
    dedupe: opts.dedupe,
    ...(opts.scheduleMs !== undefined ? { sendAt: new Date(now + opts.scheduleMs).toISOString() } : {}),
    ...(opts.window ? { window: openWindow(now), timezone: 'UTC' } : {}),
  };
}

/** A send window open now and for the next two hours (in UTC): the window is checked, and nobody waits for it. */
function openWindow(now: number): string {
  const hour = (ms: number) => String(new Date(ms).getUTCHours()).padStart(2, '0');
  return `${hour(now - 3_600_000)}:00-${hour(now + 3 * 3_600_000)}:00`;
}

/** The rows as CSV with a header (`number,orderId,name`), blank rows as empty lines. */
export function toCsv(rows: ListRow[]): string {
  return (
    ['number,orderId,name', ...rows.map((r) => (r.number === undefined ? '' : `${r.number},${r.orderId ?? ''},${r.name ?? ''}`))].join(
      '\n',
    ) + '\n'
  );
}

/** The rows as NDJSON, blank rows as empty lines. */
export function toNdjson(rows: ListRow[]): string {
  return rows.map((r) => (r.number === undefined ? '' : JSON.stringify(recipientOf(r)))).join('\n') + '\n';
}

/** A row as a recipient object (the library and the API's JSON body). */
export function recipientOf(r: ListRow): { number: string; orderId?: string; fields?: { name: string } } {
  return {
    number: r.number ?? '',
    ...(r.orderId !== undefined ? { orderId: r.orderId } : {}),
    ...(r.name !== undefined ? { fields: { name: r.name } } : {}),
  };
}

/** What an enqueue answered, on whichever path: a queued campaign's counts, or a refusal's code. */
export type EnqueueOutcome =
  | { kind: 'queued'; campaignId: string; total: number; duplicatesSkipped: number; invalidSkipped: number; invalidRowNumbers: number[] }
  | { kind: 'refused'; code: string };

/**
 * The property itself, once a case was queued (or refused): the answer's counts, then — once the campaign ended —
 * the simulator's ledger, the results and the campaign's counts, against the model.
 */
export async function checkConservation(
  ctx: { producer: Producer; sim: Simulator },
  c: GeneratedCase,
  tag: string,
  expected: Expected,
  suppressed: string[],
  outcome: EnqueueOutcome,
  sendAt?: string,
): Promise<void> {
  const ledger = () => [...ctx.sim.ledger.entries()].filter((e) => e.content.startsWith(`${tag} `));
  const refusedFor =
    expected.invalidRows.length > 0 && !c.options.skipInvalid
      ? 'VALIDATION_FAILED'
      : expected.accepted.length === 0
        ? 'CAMPAIGN_EMPTY'
        : undefined;
  if (refusedFor) {
    expect(outcome).toEqual({ kind: 'refused', code: refusedFor });
    expect(ledger()).toEqual([]);
    return;
  }
  expect(outcome).toMatchObject({
    kind: 'queued',
    total: expected.accepted.length,
    duplicatesSkipped: expected.duplicates,
    invalidSkipped: expected.invalidRows.length,
  });
  if (outcome.kind !== 'queued') return;
  expect(outcome.invalidRowNumbers).toEqual(expected.invalidRows.slice(0, 1000));

  const info: CampaignInfo = await campaignEnded(ctx.producer, outcome.campaignId, 45_000);
  const blocked = new Set(suppressed);
  const sent = expected.accepted.filter((a) => !blocked.has(a.number));
  expect(info.state).toBe('completed');
  expect(info.counts).toMatchObject({
    total: expected.accepted.length,
    sent: sent.length,
    suppressed: expected.accepted.length - sent.length,
    pending: 0,
    failed: 0,
    unknown: 0,
    duplicatesSkipped: expected.duplicates,
    invalidSkipped: expected.invalidRows.length,
  });
  expect(info.unstaged).toBeUndefined();

  // The ledger: each valid, unsuppressed recipient exactly once, with its own text; nothing else of this case.
  const entries = ledger();
  expect(entries.map((e) => `${e.orderId} ${e.number} ${e.content}`).sort()).toEqual(
    sent.map((a) => `${a.orderId} ${a.number} ${a.text}`).sort(),
  );
  // A schedule: nothing was accepted before sendAt.
  if (sendAt !== undefined) for (const e of entries) expect(e.at).toBeGreaterThanOrEqual(Date.parse(sendAt));

  // The results: one per accepted recipient, `sent` with the msgId the ledger gave, or `suppressed`.
  const results: RecipientResult[] = await resultsOf(ctx.producer, outcome.campaignId);
  const msgIds = new Map(entries.map((e) => [e.orderId, e.msgId]));
  expect(results.map((r) => ({ number: r.number, orderId: r.orderId, status: r.status, msgId: r.msgId })).sort(byOrderId)).toEqual(
    expected.accepted
      .map((a) => ({
        number: a.number,
        orderId: a.orderId,
        status: blocked.has(a.number) ? 'suppressed' : 'sent',
        msgId: msgIds.get(a.orderId),
      }))
      .sort(byOrderId),
  );
}

const byOrderId = (a: { orderId: string }, b: { orderId: string }) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0);

/** Every key under the prefix but BullMQ's stalled-check markers, which come and go on their own: what a refused enqueue must leave as it was. */
export async function prefixKeys(prefix: string): Promise<string[]> {
  const redis = testRedis();
  try {
    return (await keysMatching(redis, `${prefix}:*`)).filter((k) => !k.endsWith(':stalled-check')).sort();
  } finally {
    redis.disconnect();
  }
}
