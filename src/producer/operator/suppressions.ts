import type { Context } from '../../shared/context';
import { SmsqError } from '../../shared/errors';
import { SUPPRESSION_WRITE_CHUNK, type Suppression, type SuppressionReason } from '../../shared/opt-out/suppression-store';
import type { RawRow } from '../read-recipients';
import { normalizeNumber, rowProblem, type RowProblem } from '../validate';

export interface SuppressOptions {
  /** Default `manual` (`import` for imports). */
  reason?: SuppressionReason;
  /** Who added them, as `suppress list` shows it (at most 20 characters kept). Default `api`. */
  source?: string;
  /**
   * A tenant adding its own entries (through its key): they are stored with the source `t:<tenant>`, and a number
   * already listed (a STOP, an admin's or another tenant's entry) is left as it is, so that the tenant can never
   * take over an entry and then remove it. With SMS_SUPPRESSION_SCOPE=tenant they go to the tenant's own list,
   * which binds only its campaigns.
   */
  tenant?: string;
}

/** The source a tenant's entries are stored with (at most 18 characters: a tenant name is at most 16). */
export const tenantSource = (tenant: string): string => `t:${tenant}`;

export interface SuppressImportResult {
  /** Valid rows read. */
  read: number;
  /** Numbers that were not on the list before. */
  added: number;
  invalidCount: number;
  /** The first 1,000 invalid rows, with line and reason; valid rows are imported all the same. */
  invalidRows: RowProblem[];
}

const MAX_LISTED_PROBLEMS = 1_000;

/** Normalises numbers as recipients are; a bad one refuses the whole call, naming it (nothing is changed). */
function normalizeAll(numbers: ReadonlyArray<string>): string[] {
  const problems: RowProblem[] = [];
  const out = numbers.map((raw, i) => {
    const n = normalizeNumber(raw);
    if (!n.ok) problems.push(rowProblem(i + 1, raw, n.reason));
    return n.ok ? n.number : '';
  });
  if (problems.length > 0) {
    throw new SmsqError(
      'VALIDATION_FAILED',
      `${problems.length} bad number(s); nothing was changed.\n${problems
        .slice(0, 20)
        .map((p) => `${p.value}: ${p.reason}`)
        .join('\n')}`,
      { rows: problems.slice(0, MAX_LISTED_PROBLEMS), invalidCount: problems.length },
    );
  }
  return out;
}

/** Adds numbers to the suppression list; returns how many were new. */
export async function suppressNumbers(ctx: Context, numbers: ReadonlyArray<string>, opts: SuppressOptions = {}): Promise<number> {
  const at = Date.now();
  const source = opts.tenant !== undefined ? tenantSource(opts.tenant) : (opts.source ?? 'api');
  const entries = normalizeAll(numbers).map((number) => ({ number, reason: opts.reason ?? 'manual', source, at }));
  const added = await ctx.suppressions.add(entries, { keepListed: opts.tenant !== undefined, tenant: ownList(ctx, opts.tenant) });
  ctx.log.info({ numbers: entries.length, added, reason: opts.reason ?? 'manual' }, 'numbers suppressed');
  return added;
}

/**
 * Takes numbers off the suppression list; returns how many were on it and taken off. With `tenant`, only that
 * tenant's own entries are taken off: a STOP reply, an admin's or another tenant's entry stays.
 */
export async function unsuppressNumbers(ctx: Context, numbers: ReadonlyArray<string>, opts: { tenant?: string } = {}): Promise<number> {
  const onlySource = opts.tenant === undefined ? undefined : tenantSource(opts.tenant);
  const removed = await ctx.suppressions.remove(normalizeAll(numbers), { onlySource, tenant: ownList(ctx, opts.tenant) });
  ctx.log.info({ numbers: numbers.length, removed }, 'numbers taken off the suppression list');
  return removed;
}

/** The entry for one number (normalised first) that binds `tenant`'s campaigns (or an admin's), or null. */
export async function checkSuppressed(ctx: Context, number: string, opts: { tenant?: string } = {}): Promise<Suppression | null> {
  return ctx.suppressions.check(normalizeAll([number])[0], ownList(ctx, opts.tenant));
}

/**
 * The entries a caller sees: the shared list, then (SMS_SUPPRESSION_SCOPE=tenant) a tenant's own list, or for an
 * admin every tenant's own list (the tenants named by keys or settings).
 */
export async function* listSuppressions(ctx: Context, opts: { tenant?: string } = {}): AsyncGenerator<Suppression> {
  yield* ctx.suppressions.list();
  if (ctx.config.optOut.suppressionScope !== 'tenant') return;
  const tenants = opts.tenant !== undefined ? [opts.tenant] : await knownTenants(ctx);
  for (const t of tenants) yield* ctx.suppressions.list(t);
}

async function knownTenants(ctx: Context): Promise<string[]> {
  const [{ keys }, settings] = await Promise.all([ctx.apiKeys.list(), ctx.tenants.all()]);
  return [...new Set([...keys.flatMap((k) => (k.tenant === undefined ? [] : [k.tenant])), ...settings.keys()])].sort();
}

/** The tenant's own list when tenants have lists of their own; else none (the shared list). */
function ownList(ctx: Context, tenant: string | undefined): string | undefined {
  return ctx.config.optOut.suppressionScope === 'tenant' ? tenant : undefined;
}

/**
 * Imports rows read by `readRecipients` (CSV `number`, NDJSON `{"number", "reason"?}`), streamed in chunks:
 * a million numbers never sit in memory. Unlike a campaign, an import is not all-or-nothing — adding a number
 * to the list can only stop a send — so valid rows are imported and invalid ones are listed with their line.
 */
export async function importSuppressions(
  ctx: Context,
  rows: AsyncIterable<RawRow>,
  opts: SuppressOptions = {},
): Promise<SuppressImportResult> {
  const result: SuppressImportResult = { read: 0, added: 0, invalidCount: 0, invalidRows: [] };
  const at = Date.now();
  const source = opts.tenant !== undefined ? tenantSource(opts.tenant) : (opts.source ?? 'import');
  let chunk: Suppression[] = [];
  const invalid = (p: RowProblem) => {
    result.invalidCount++;
    if (result.invalidRows.length < MAX_LISTED_PROBLEMS) result.invalidRows.push(p);
  };
  // One chunk written while the next is read: the file and Redis work side by side.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    const entries = chunk;
    chunk = [];
    await writing;
    writing = ctx.suppressions
      .add(entries, { keepListed: opts.tenant !== undefined, tenant: ownList(ctx, opts.tenant) })
      .then((n) => void (result.added += n));
  };
  for await (const raw of rows) {
    if ('problem' in raw) {
      invalid(raw.problem);
      continue;
    }
    const input = raw.input as { number?: unknown; reason?: unknown };
    if (typeof input !== 'object' || input === null || typeof input.number !== 'string') {
      invalid(rowProblem(raw.row, input, 'expected a number'));
      continue;
    }
    const n = normalizeNumber(input.number);
    if (!n.ok) {
      invalid(rowProblem(raw.row, input.number, n.reason));
      continue;
    }
    const reason = typeof input.reason === 'string' && input.reason !== '' ? input.reason : (opts.reason ?? 'import');
    chunk.push({ number: n.number, reason, source, at });
    result.read++;
    if (chunk.length >= SUPPRESSION_WRITE_CHUNK) await flush();
  }
  await flush();
  await writing;
  ctx.log.info({ read: result.read, added: result.added, invalid: result.invalidCount }, 'suppression list imported');
  return result;
}
