import { formatGatewayTime, parseIsoWithOffset } from '../shared/gateway/gateway-time';
import { MAX_SENT_RCD_WINDOW_MS, SENT_RCD_HISTORY_MS, SENT_RCD_PAGE_ROWS } from '../shared/gateway/query-limits';
import type { MemoryLedger } from './ledger';
import type { QueryAnswer } from './query-routes';

/**
 * Answers `startTime=&endTime=&startIndex=`: the messages accepted from startTime to endTime (both included),
 * oldest first, at most 50,000 from startIndex (0-based). Every listed row has status "0" (sent): the ledger holds
 * only accepted messages. The simulator adds `total`, the window's row count, as a string.
 *
 * Where the reference is silent the simulator decides: -11 (bad time format) for a time that is not ISO 8601
 * with seconds and an offset (an unencoded "+" arrives as a space and fails too), an end before the start, a
 * window over 31 days or a start over 90 days ago; -14 for a startIndex that is not a whole number ≥ 0.
 */
export function answerGetSentRcd(ledger: MemoryLedger, params: URLSearchParams, now: number): QueryAnswer {
  const start = parseIsoWithOffset(params.get('startTime') ?? '');
  const end = parseIsoWithOffset(params.get('endTime') ?? '');
  if (start === null || end === null) return { status: '-11', reason: 'startTime and endTime must be ISO 8601 with an offset' };
  if (end < start) return { status: '-11', reason: 'endTime is before startTime' };
  if (end - start > MAX_SENT_RCD_WINDOW_MS) return { status: '-11', reason: 'the window is longer than 31 days' };
  if (start < now - SENT_RCD_HISTORY_MS) return { status: '-11', reason: 'startTime is more than 90 days ago' };
  const rawIndex = params.get('startIndex') ?? '0';
  if (!/^\d{1,15}$/.test(rawIndex)) return { status: '-14', reason: 'startIndex must be a whole number ≥ 0' };

  const [from, to] = ledger.timeRange(start, end);
  const first = from + Number(rawIndex);
  const array: Array<{ msgId: string; number: string; receiveTime: string; status: '0' }> = [];
  for (let i = first; i < Math.min(to, first + SENT_RCD_PAGE_ROWS); i++) {
    const e = ledger.entryAt(i);
    array.push({ msgId: e.msgId, number: e.number, receiveTime: formatGatewayTime(e.at), status: '0' });
  }
  return { status: '0', reason: 'success', total: String(to - from), array };
}
