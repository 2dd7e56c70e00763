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

/** An ISO 8601 time (`2026-11-29`, `2026-11-29T10:00:00Z`, with an offset) as ms; null when it is not one. */
export function parseSince(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) return null;
  const ms = Date.parse(text.trim());
  return Number.isNaN(ms) ? null : ms;
}
