import { parse, UsageError } from '../args';
import { CSV_HEADER, CSV_HEADER_WITH_CONTENT, csvLine } from '../format';
import { withProducer } from '../open-producer';
import { outLines } from '../output';

/** `smsq results ID [--format csv|ndjson] [--with-content]`: one line per recipient on stdout, streamed. */
export default async function resultsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { format: { type: 'string' }, 'with-content': { type: 'boolean' } },
    { min: 1, max: 1, names: 'a campaign id' },
  );
  const withContent = values['with-content'] ?? false;
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'ndjson') throw new UsageError(`--format must be csv or ndjson, not "${format}"`);
  return withProducer(async (smsq) => {
    const head = format === 'csv' ? `${withContent ? CSV_HEADER_WITH_CONTENT : CSV_HEADER}\n` : '';
    await outLines(head, smsq.campaignResults(positionals[0], { withContent }), format === 'csv' ? csvLine : (r) => JSON.stringify(r));
    return 0;
  });
}
