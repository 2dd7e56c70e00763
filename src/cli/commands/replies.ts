import { parseSince, REPLIES_CSV_HEADER, replyCsvLine } from '../../shared/replies/replies-csv';
import { parse, UsageError } from '../args';
import { withProducer } from '../open-producer';
import { outLines } from '../output';

/** `smsq replies [--campaign ID] [--since ISO] [--format csv|ndjson]`: stored replies on stdout, oldest first, streamed. */
export default async function repliesCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { campaign: { type: 'string' }, since: { type: 'string' }, format: { type: 'string' } },
    { min: 0, max: 0, names: 'no positional arguments' },
  );
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'ndjson') throw new UsageError(`--format must be csv or ndjson, not "${format}"`);
  const since = values.since === undefined ? undefined : parseSince(values.since);
  if (since === null) throw new UsageError(`--since must be an ISO 8601 time such as 2026-11-29T10:00:00Z, not "${values.since}"`);
  return withProducer(async (smsq) => {
    const replies = smsq.listReplies({ campaignId: values.campaign, since });
    await outLines(format === 'csv' ? `${REPLIES_CSV_HEADER}\n` : '', replies, format === 'csv' ? replyCsvLine : (r) => JSON.stringify(r));
    return 0;
  });
}
