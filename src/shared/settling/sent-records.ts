import { SmsqError } from '../errors';
import { isTransientQueryFailure, queryRetryDelay } from '../gateway/query-retry';
import {
  describeQueryFailure,
  MAX_SENT_RCD_WINDOW_MS,
  SENT_RCD_PAGE_ROWS,
  type GatewayQueries,
  type QueryFailure,
  type QueryResult,
  type SentRecord,
} from '../gateway/queries';

/** What reading the gateway's records covered: the windows asked (ISO 8601) and the rows they held. */
export interface SentRecordsRead {
  windows: Array<{ start: string; end: string }>;
  recordsRead: number;
}

/**
 * Reads the gateway's submissions (getSentRcd) from `start` to `end`, in windows of at most 31 days and pages of
 * 50,000 rows, handing each page to `onPage`. Settling and a campaign's recovery both read them so. Throws
 * GATEWAY_QUERY_FAILED when a page cannot be read: the caller then changes nothing.
 */
export async function readSentRecords(
  queries: GatewayQueries,
  start: number,
  end: number,
  onPage: (rows: SentRecord[]) => void,
): Promise<SentRecordsRead> {
  const read: SentRecordsRead = { windows: [], recordsRead: 0 };
  for (let s = start; s < end; s += MAX_SENT_RCD_WINDOW_MS) {
    const w = { start: s, end: Math.min(end, s + MAX_SENT_RCD_WINDOW_MS) };
    read.windows.push({ start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() });
    for (let startIndex = 0; ; startIndex += SENT_RCD_PAGE_ROWS) {
      const answer = await withRetries(() => queries.getSentRcd({ start: new Date(w.start), end: new Date(w.end), startIndex }));
      if (!answer.ok) {
        throw new SmsqError(
          'GATEWAY_QUERY_FAILED',
          `getSentRcd failed: ${describeQueryFailure(answer)}; nothing was changed. Try again later.`,
          {
            failure: queryFailureLabel(answer),
          },
        );
      }
      const rows = answer.value.records;
      read.recordsRead += rows.length;
      onPage(rows);
      if (rows.length < SENT_RCD_PAGE_ROWS) break;
    }
  }
  return read;
}

/** A short, bounded name of a failed query (gateway status, HTTP status or failure kind) for metrics and details. */
function queryFailureLabel(f: QueryFailure): string {
  if (f.kind === 'status') return f.status;
  if (f.kind === 'http') return `http-${f.httpStatus ?? 'error'}`;
  return f.kind;
}

/**
 * Tries of one query while its failures are transient (gateway/query-retry.ts), waiting from QUERY_RETRY_FIRST_MS
 * between them: settling has a caller waiting (`smsq settle`) or a job attempt running, so it asks a few times
 * within seconds and then fails, leaving the longer waits to the operator or to the settle job's back-off.
 */
const QUERY_ATTEMPTS = 5;
const QUERY_RETRY_FIRST_MS = 500;

async function withRetries<T>(query: () => Promise<QueryResult<T>>): Promise<QueryResult<T>> {
  for (let attempt = 1; ; attempt++) {
    const answer = await query();
    if (answer.ok || !isTransientQueryFailure(answer) || attempt === QUERY_ATTEMPTS) return answer;
    await new Promise((r) => setTimeout(r, queryRetryDelay(attempt, QUERY_RETRY_FIRST_MS)));
  }
}
