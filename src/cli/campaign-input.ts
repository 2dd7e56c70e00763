/**
 * What `smsq enqueue` and `smsq preview` read alike: the recipients file (or stdin), the content, and the
 * campaign options, so that a preview describes exactly the campaign the same command line would queue.
 */
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { PreviewOptions } from '../producer';
import { formatFromPath, readRecipients, type RecipientFormat } from '../producer/read-recipients';
import type { RowProblem } from '../producer/validate';
import { isPriority, PRIORITIES, type Priority } from '../shared/campaign/lanes';
import { MAX_VARIANTS, MIN_VARIANTS, WINNER_MEASURES, type WinnerBy } from '../shared/campaign/variants';
import { positiveNumber, UsageError, type ParsedValues } from './args';
import { say } from './output';

export const CAMPAIGN_OPTIONS = {
  content: { type: 'string' },
  'content-file': { type: 'string' },
  variant: { type: 'string', multiple: true },
  'winner-by': { type: 'string' },
  'sender-id': { type: 'string' },
  accounts: { type: 'string' },
  'campaign-id': { type: 'string' },
  format: { type: 'string' },
  'skip-invalid': { type: 'boolean' },
  'keep-duplicates': { type: 'boolean' },
  'max-cost': { type: 'string' },
  priority: { type: 'string' },
  'max-rate': { type: 'string' },
  'ignore-frequency-cap': { type: 'boolean' },
  'send-at': { type: 'string' },
  window: { type: 'string' },
  timezone: { type: 'string' },
  'valid-for': { type: 'string' },
  'expire-at': { type: 'string' },
  'callback-url': { type: 'string' },
  'track-links': { type: 'boolean' },
  canary: { type: 'string' },
  'canary-hold': { type: 'string' },
  'max-failed-rate': { type: 'string' },
  'min-delivered-rate': { type: 'string' },
  'max-opt-out-rate': { type: 'string' },
} as const;

type CampaignValues = ParsedValues<typeof CAMPAIGN_OPTIONS>;

/** The campaign a command line describes, its recipients streamed from FILE or stdin. */
export async function campaignFromArgs(file: string, values: CampaignValues): Promise<PreviewOptions> {
  const variants = pickVariants(values.variant, values.content, values['content-file']);
  if (!variants && values['winner-by'] !== undefined)
    throw new UsageError('--winner-by chooses among A/B variants: give the texts as --variant TEXT, two to five times');
  const content = variants ? undefined : await readContent(values.content, values['content-file']);
  const format = pickFormat(file, values.format);
  // A CSV's header must name every field the text uses (with variants: any of them) without a fallback.
  const read = (input: NodeJS.ReadableStream) => readRecipients(input, format, { content: variants ?? content });
  if (file !== '-') await checkReadable(file);
  return {
    campaignId: values['campaign-id'],
    ...(variants ? { variants, winnerBy: pickWinnerBy(values['winner-by']) } : { content }),
    senderId: values['sender-id'],
    accounts: pickAccounts(values.accounts),
    // A file is read twice (validated whole, then staged while it sends); stdin once (staged whole, then sent).
    rows: file === '-' ? read(process.stdin) : () => read(createReadStream(file)),
    skipInvalid: values['skip-invalid'] ?? false,
    dedupe: !values['keep-duplicates'],
    maxCost: values['max-cost'] === undefined ? undefined : positiveNumber('max-cost', values['max-cost'], 0),
    priority: pickPriority(values.priority),
    maxRate: values['max-rate'] === undefined ? undefined : positiveNumber('max-rate', values['max-rate'], 0),
    ignoreFrequencyCap: values['ignore-frequency-cap'] ?? false,
    sendAt: values['send-at'],
    window: values.window,
    timezone: values.timezone,
    validFor: values['valid-for'],
    expireAt: values['expire-at'],
    callbackUrl: values['callback-url'],
    trackLinks: values['track-links'] ?? false,
    // A count goes as a number, a share ("2%") as it is: the library checks both.
    canary: values.canary === undefined ? undefined : /^\d+$/.test(values.canary.trim()) ? Number(values.canary) : values.canary,
    canaryHold: values['canary-hold'],
    maxFailedRate: share('max-failed-rate', values['max-failed-rate']),
    minDeliveredRate: share('min-delivered-rate', values['min-delivered-rate']),
    maxOptOutRate: share('max-opt-out-rate', values['max-opt-out-rate']),
  };
}

/** A gate's share as a number (`0.05`); the library checks its range. */
function share(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a share from 0 to 1 (0.05 for 5%), not "${raw}"`);
  return n;
}

async function checkReadable(file: string): Promise<void> {
  try {
    await (await open(file, 'r')).close();
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

export function listProblems(rows: RowProblem[], count: number, what: string): void {
  // Values and reasons quote the file: shown, never acted on by the terminal.
  for (const p of rows) say(`line ${p.row}${p.field ? `, ${p.field}` : ''}: ${p.reason}: ${JSON.stringify(p.value)}\n`);
  if (count > rows.length) say(`… and ${count - rows.length} more ${what} rows\n`);
}

async function readContent(text: string | undefined, file: string | undefined): Promise<string> {
  if (text !== undefined && file === undefined) return text;
  if (text !== undefined || file === undefined)
    throw new UsageError(
      'give the message as --content TEXT or --content-file FILE (one of them), or A/B variants as --variant TEXT --variant TEXT',
    );
  try {
    // A file's final newline is an editor's habit, not part of the message.
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    throw new UsageError(`cannot read --content-file ${file}: ${(err as Error).message}`);
  }
}

/** `--variant TEXT`, once per text (two to five): A/B variants instead of --content. */
function pickVariants(variants: string[] | undefined, content: string | undefined, file: string | undefined): string[] | undefined {
  if (variants === undefined) return undefined;
  if (content !== undefined || file !== undefined)
    throw new UsageError('give --content (or --content-file) or --variant, not both: variant A is the first --variant');
  if (variants.length < MIN_VARIANTS || variants.length > MAX_VARIANTS)
    throw new UsageError(
      `give --variant once per text, ${MIN_VARIANTS} to ${MAX_VARIANTS} times (variant A first), not ${variants.length === 1 ? 'once' : `${variants.length} times`}`,
    );
  return variants;
}

/** `--winner-by delivered|clicks|replies`: how the winning variant is chosen (the library checks what each needs). */
function pickWinnerBy(flag: string | undefined): WinnerBy | undefined {
  if (flag === undefined) return undefined;
  if (!(WINNER_MEASURES as readonly string[]).includes(flag))
    throw new UsageError(`--winner-by must be one of ${WINNER_MEASURES.join(', ')}, not "${flag}"`);
  return flag as WinnerBy;
}

/** `--accounts a,b`: the names as given; the library checks them (ACCOUNT_NAME, configured, at most 32). */
function pickAccounts(flag: string | undefined): string[] | undefined {
  if (flag === undefined) return undefined;
  const names = flag.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw new UsageError(`--accounts takes account names separated by commas, not "${flag}"`);
  return names;
}

function pickPriority(flag: string | undefined): Priority | undefined {
  if (flag === undefined) return undefined;
  if (!isPriority(flag)) throw new UsageError(`--priority must be one of ${PRIORITIES.join(', ')}, not "${flag}"`);
  return flag;
}

function pickFormat(file: string, flag: string | undefined): RecipientFormat {
  if (flag !== undefined) {
    if (flag !== 'csv' && flag !== 'ndjson') throw new UsageError(`--format must be csv or ndjson, not "${flag}"`);
    return flag;
  }
  if (file === '-') return 'csv';
  const byName = formatFromPath(file);
  if (!byName) throw new UsageError(`cannot tell the format of ${file} from its name: add --format csv or --format ndjson`);
  return byName;
}
