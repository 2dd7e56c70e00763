import { parseIsoWithOffset } from '../shared/gateway/gateway-time';
import { MO_EARLIEST_MS, MO_PAGE_SIZE } from '../shared/gateway/query-limits';
import type { QueryAnswer } from './query-routes';
import type { ReplyBook } from './replies';

/** "At most one month": the simulator refuses windows over 31 days (the client asks for at most 28). */
const MAX_WINDOW_MS = 31 * 86_400_000;

/**
 * Answers recordMo's body `{appId, current, size, params: {strTime, endTime}}` (appId is checked before): the
 * replies received from strTime to endTime, both included, oldest first, page `current` of `size`.
 * Where the reference is silent the simulator decides: -22 for a body field that is missing or of the wrong kind,
 * a size outside 1 to 100, a time that is not ISO 8601 with an offset or an end before the start; -25 for a window
 * over 31 days or a start before 2022-07-01. A page past the last answers no records.
 */
export function answerRecordMo(book: ReplyBook, body: Record<string, unknown>): QueryAnswer {
  const { current, size } = body;
  const params = (typeof body.params === 'object' && body.params !== null ? body.params : {}) as Record<string, unknown>;
  if (!Number.isInteger(current) || (current as number) < 1) return { status: '-22', reason: 'current must be a whole number ≥ 1' };
  if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > MO_PAGE_SIZE)
    return { status: '-22', reason: `size must be 1 to ${MO_PAGE_SIZE}` };
  const start = typeof params.strTime === 'string' ? parseIsoWithOffset(params.strTime) : null;
  const end = typeof params.endTime === 'string' ? parseIsoWithOffset(params.endTime) : null;
  if (start === null || end === null) return { status: '-22', reason: 'params.strTime and params.endTime must be ISO 8601 with an offset' };
  if (end < start) return { status: '-22', reason: 'endTime is before strTime' };
  if (end - start > MAX_WINDOW_MS || start < MO_EARLIEST_MS) return { status: '-25', reason: 'out of time range' };
  const all = book.within(start, end);
  const page = current as number;
  const perPage = size as number;
  const records = all.slice((page - 1) * perPage, page * perPage);
  return {
    status: '0',
    reason: 'success',
    data: { total: all.length, size: perPage, current: page, pages: Math.ceil(all.length / perPage), records },
  };
}
