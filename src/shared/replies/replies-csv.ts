import { calendarProblem } from '../schedule/calendar';
import { csvCell, csvNumberCell } from '../text/csv-cell';
import type { StoredReply } from './reply-store';

/** Replies as CSV, one line per reply: what `smsq replies` prints and GET /v1/replies serves with Accept: text/csv. */
export const REPLIES_CSV_HEADER = 'receivedAt,number,content,campaignId,keyword,listChange,sendId,source,mcc,mnc,operator,pay,currency,id';

export function replyCsvLine(r: StoredReply): string {
  // The sender's number as the gateway (or a push) reported it: kept as it is only when it is a number.
  return [
    csvCell(r.receivedAt),
    csvNumberCell(r.number),
    ...[
      r.content,
      r.campaignId ?? '',
      r.keyword ?? '',
      r.listChange ?? '',
      r.sendId,
      r.source,
      r.mcc ?? '',
      r.mnc ?? '',
      r.operator ?? '',
      r.pay ?? '',
      r.currency ?? '',
      r.id,
    ].map(csvCell),
  ].join(',');
}

/**
 * An ISO 8601 date or time (`2026-11-29`, `2026-11-29T10:00:00Z`, `2026-11-29T18:00+08:00`) as ms; null when it is
 * not one. A date, or a time without an offset, is UTC: the answer must not depend on the server's time zone.
 */
export function parseSince(text: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text.trim());
  if (!m) return null;
  // Date.parse would roll 2027-02-30 over to March 2: a day the month does not have is no date.
  const [y, mo, d] = m[1].split('-').map(Number);
  const [h, mi, s] = (m[2] ?? '0:0:0').split(/[:.]/).map(Number);
  if (calendarProblem(y, mo, d, h, mi, s ?? 0) !== null) return null;
  const ms = Date.parse(m[2] === undefined ? `${m[1]}T00:00:00Z` : `${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
  return Number.isNaN(ms) ? null : ms;
}
