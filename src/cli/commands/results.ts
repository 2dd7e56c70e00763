import { parse, UsageError } from '../args';
import { CSV_HEADER, CSV_HEADER_WITH_CONTENT, csvLine } from '../format';
import { withProducer } from '../open-producer';

/** `smsq results ID [--format csv|ndjson] [--with-content]`: one line per recipient on stdout, streamed. */
export default async function resultsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { format: { type: 'string' }, 'with-content': { type: 'boolean' } }, { min: 1, max: 1, names: 'a campaign id' });
  const withContent = values['with-content'] ?? false;
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'ndjson') throw new UsageError(`--format must be csv or ndjson, not "${format}"`);
  return withProducer(async (smsq) => {
    let chunk = format === 'csv' ? `${withContent ? CSV_HEADER_WITH_CONTENT : CSV_HEADER}\n` : '';
    for await (const r of smsq.campaignResults(positionals[0], { withContent })) {
      chunk += format === 'csv' ? `${csvLine(r)}\n` : `${JSON.stringify(r)}\n`;
      // Write in chunks and honour backpressure, so a million lines never sit in memory.
      if (chunk.length > 64 * 1024) {
        if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
        chunk = '';
      }
    }
    if (chunk) process.stdout.write(chunk);
    return 0;
  });
}
