import { createReadStream } from 'node:fs';
import { formatFromPath, readRecipients, type RecipientFormat } from '../../producer/read-recipients';
import { SUPPRESSION_CSV_HEADER, suppressionCsvLine, suppressionJson, type Suppression } from '../../shared/opt-out/suppression-store';
import { listProblems } from '../campaign-input';
import { parse, UsageError } from '../args';
import { withProducer } from '../open-producer';
import { out, outLines } from '../output';

const SUBCOMMANDS = 'add NUMBER… | remove NUMBER… | import FILE|- | list | check NUMBER';

/**
 * `smsq suppress add NUMBER… [--reason R]`, `remove NUMBER…`, `import FILE|- [--reason R] [--format csv|ndjson]`,
 * `list [--format csv|ndjson]`, `check NUMBER` (exit 0 when suppressed, 1 when not).
 */
export default async function suppressCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'add': {
      const { values, positionals } = parse(rest, { reason: { type: 'string' } }, { min: 1, max: Infinity, names: 'one or more numbers' });
      const added = await withProducer((smsq) => smsq.suppressions.add(positionals, { reason: values.reason ?? 'manual', source: 'cli' }));
      process.stdout.write(`suppressed ${positionals.length} number(s), ${added} new\n`);
      return 0;
    }
    case 'remove': {
      const { positionals } = parse(rest, {}, { min: 1, max: Infinity, names: 'one or more numbers' });
      const removed = await withProducer((smsq) => smsq.suppressions.remove(positionals));
      process.stdout.write(`removed ${removed} of ${positionals.length} number(s) from the suppression list\n`);
      return 0;
    }
    case 'import':
      return importCommand(rest);
    case 'list': {
      const { values } = parse(rest, { format: { type: 'string' } }, { min: 0, max: 0, names: 'no arguments' });
      const format = pickFormat(values.format, 'csv');
      return withProducer(async (smsq) => {
        const line = format === 'csv' ? suppressionCsvLine : (e: Suppression) => JSON.stringify(suppressionJson(e));
        await outLines(format === 'csv' ? `${SUPPRESSION_CSV_HEADER}\n` : '', smsq.suppressions.list(), line);
        return 0;
      });
    }
    case 'check': {
      const { positionals } = parse(rest, {}, { min: 1, max: 1, names: 'a number' });
      const entry = await withProducer((smsq) => smsq.suppressions.check(positionals[0]));
      await out(
        entry
          ? `${entry.number}: suppressed (${entry.reason}, by ${entry.source}, ${new Date(entry.at).toISOString()})\n`
          : `${positionals[0]}: not suppressed\n`,
      );
      return entry ? 0 : 1;
    }
    default:
      throw new UsageError(
        sub === undefined ? `expected a subcommand: ${SUBCOMMANDS}` : `unknown subcommand "${sub}": expected ${SUBCOMMANDS}`,
      );
  }
}

async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { reason: { type: 'string' }, format: { type: 'string' } },
    { min: 1, max: 1, names: 'a file, or - for stdin' },
  );
  const file = positionals[0];
  const format = pickFormat(values.format, file === '-' ? 'csv' : (formatFromPath(file) ?? undefined));
  const input = file === '-' ? process.stdin : createReadStream(file);
  if (file !== '-') {
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', (err: Error) => reject(new UsageError(`cannot read ${file}: ${err.message}`)));
    });
  }
  const result = await withProducer((smsq) =>
    smsq.suppressions.import(readRecipients(input, format), { reason: values.reason ?? 'import', source: 'cli-import' }),
  );
  listProblems(result.invalidRows, result.invalidCount, 'invalid');
  process.stdout.write(`imported ${result.read} number(s), ${result.added} new; ${result.invalidCount} invalid row(s) skipped\n`);
  return result.invalidCount > 0 ? 1 : 0;
}

function pickFormat(flag: string | undefined, fallback: RecipientFormat | undefined): RecipientFormat {
  const f = flag ?? fallback;
  if (f === undefined) throw new UsageError('cannot tell the format from the file name: add --format csv or --format ndjson');
  if (f !== 'csv' && f !== 'ndjson') throw new UsageError(`--format must be csv or ndjson, not "${f}"`);
  return f;
}
