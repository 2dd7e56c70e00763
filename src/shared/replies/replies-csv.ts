import type { StoredReply } from './reply-store';

/** Replies as CSV, one line per reply: what `smsq replies` prints and GET /v1/replies serves with Accept: text/csv. */
export const REPLIES_CSV_HEADER = 'receivedAt,number,content,campaignId,keyword,listChange,sendId,source,mcc,mnc,operator,pay,currency,id';

export function replyCsvLine(r: StoredReply): string {
  return [r.receivedAt, r.number, r.content, r.campaignId ?? '', r.keyword ?? '', r.listChange ?? '', r.sendId, r.source, r.mcc ?? '', r.mnc ?? '', r.operator ?? '', r.pay ?? '', r.currency ?? '', r.id]
    .map(csvField)
    .join(',');
}

function csvField(v: string): string {
  return v === '' || !/[",\r\n]/.test(v) ? v : `"${v.replace(/"/g, '""')}"`;
}

/**
 * An ISO 8601 date or time (`2026-11-29`, `2026-11-29T10:00:00Z`, `2026-11-29T18:00+08:00`) as ms; null when it is
 * not one. A date, or a time without an offset, is UTC: the answer must not depend on the server's time zone.
 */
export function parseSince(text: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text.trim());
  if (!m) return null;
  const ms = Date.parse(m[2] === undefined ? `${m[1]}T00:00:00Z` : `${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
  return Number.isNaN(ms) ? null : ms;
}
