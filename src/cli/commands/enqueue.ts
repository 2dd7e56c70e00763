import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { formatFromPath, readRecipients, RecipientFormat } from '../../producer/read-recipients';
import type { RowProblem } from '../../producer/validate';
import type { BalanceCheckMode } from '../../producer/balance';
import { SmsqError } from '../../shared/errors';
import { parse, UsageError } from '../args';
import { withProducer } from '../open-producer';

const OPTIONS = {
  content: { type: 'string' },
  'content-file': { type: 'string' },
  'sender-id': { type: 'string' },
  'campaign-id': { type: 'string' },
  format: { type: 'string' },
  'skip-invalid': { type: 'boolean' },
  'keep-duplicates': { type: 'boolean' },
  'check-balance': { type: 'boolean' },
  'require-balance': { type: 'boolean' },
  'no-balance-check': { type: 'boolean' },
  'callback-url': { type: 'string' },
} as const;

/**
 * `smsq enqueue FILE|- --content TEXT ...`: prints the campaign id alone on stdout; bad rows go to stderr.
 * Exit 1 with nothing queued when any row is invalid, unless --skip-invalid.
 */
export default async function enqueueCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, { min: 1, max: 1, names: 'a recipients file, or - for stdin' });
  const file = positionals[0];
  const content = await readContent(values.content, values['content-file']);
  const format = pickFormat(file, values.format);
  const input = file === '-' ? process.stdin : createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    if (file === '-') return resolve();
    input.once('open', () => resolve());
    input.once('error', (err: Error) => reject(new UsageError(`cannot read ${file}: ${(err as Error).message}`)));
  });
  await opened;
  try {
    const result = await withProducer((smsq) => smsq.enqueueCampaign({
      campaignId: values['campaign-id'],
      content,
      senderId: values['sender-id'],
      rows: readRecipients(input, format),
      skipInvalid: values['skip-invalid'] ?? false,
      dedupe: !values['keep-duplicates'],
      balanceCheck: balanceMode(values),
      callbackUrl: values['callback-url'],
    }));
    for (const w of result.warnings ?? []) process.stderr.write(`smsq enqueue: warning: ${w}\n`);
    listProblems(result.invalidRows, result.invalidSkipped, 'skipped');
    process.stdout.write(`${result.campaignId}\n`);
    process.stderr.write(
      `${result.created ? 'queued' : 'already queued (same campaign id, same content): nothing new queued'}: ` +
        `${result.total} recipients in ${result.batches} batches, ${result.duplicatesSkipped} duplicates skipped, ${result.invalidSkipped} invalid skipped\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof SmsqError && err.code === 'VALIDATION_FAILED' && err.details?.rows) {
      const invalidCount = Number(err.details.invalidCount);
      listProblems(err.details.rows as RowProblem[], invalidCount, 'invalid');
      process.stderr.write(`smsq enqueue: ${invalidCount} invalid row(s); nothing was queued (use --skip-invalid to queue the valid rows) [VALIDATION_FAILED]\n`);
      return 1;
    }
    throw err;
  }
}

function listProblems(rows: RowProblem[], count: number, what: string): void {
  for (const p of rows) process.stderr.write(`line ${p.row}: ${p.reason}: ${JSON.stringify(p.value)}\n`);
  if (count > rows.length) process.stderr.write(`… and ${count - rows.length} more ${what} rows\n`);
}

/**
 * By default the balance is checked whenever the gateway credentials are at hand, warning only when it is short;
 * --check-balance also says when it could not be checked; --require-balance refuses.
 */
function balanceMode(values: { 'check-balance'?: boolean; 'require-balance'?: boolean; 'no-balance-check'?: boolean }): BalanceCheckMode | undefined {
  const chosen = [values['check-balance'], values['require-balance'], values['no-balance-check']].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('give at most one of --check-balance, --require-balance and --no-balance-check');
  if (values['no-balance-check']) return undefined;
  if (values['require-balance']) return 'require';
  if (values['check-balance']) return 'warn';
  return 'auto';
}

async function readContent(text: string | undefined, file: string | undefined): Promise<string> {
  if ((text === undefined) === (file === undefined)) throw new UsageError('give the message as --content TEXT or --content-file FILE (one of them)');
  if (text !== undefined) return text;
  try {
    // A file's final newline is an editor's habit, not part of the message.
    return (await readFile(file!, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    throw new UsageError(`cannot read --content-file ${file}: ${(err as Error).message}`);
  }
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
