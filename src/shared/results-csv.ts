import type { RecipientResult } from './types';

/** Results as CSV, one line per recipient: what `smsq results` prints and GET /v1/campaigns/:id/results serves. */
export const CSV_HEADER = 'number,orderId,status,msgId,code,reason,delivery,deliveryCode,deliveryReason,reportedAt,price,currency';

export function csvLine(r: RecipientResult): string {
  return [
    r.number, r.orderId, r.status, r.msgId ?? '', r.code ?? '', r.reason ?? '',
    r.delivery ?? '', r.deliveryCode ?? '', r.deliveryReason ?? '', r.reportedAt ?? '', r.price ?? '', r.currency ?? '',
  ].map(csvField).join(',');
}

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
