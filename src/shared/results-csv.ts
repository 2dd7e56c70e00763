import type { RecipientResult } from './types';

/** Results as CSV, one line per recipient: what `smsq results` prints and GET /v1/campaigns/:id/results serves. */
export const CSV_HEADER = 'number,orderId,status,msgId,code,reason,delivery,deliveryCode,deliveryReason,reportedAt,price,currency';

/** With `--with-content` / `withContent=true`: the recipient's text as a last column. */
export const CSV_HEADER_WITH_CONTENT = `${CSV_HEADER},content`;

export function csvLine(r: RecipientResult): string {
  // One template rather than an array joined: this runs once per recipient of a million-line export. Fields
  // smsq writes itself (status, delivery, times, prices, digits) never need quoting; the others are checked.
  return `${r.number},${csvField(r.orderId)},${r.status},${csvField(r.msgId ?? '')},${csvField(r.code ?? '')},${csvField(r.reason ?? '')},` +
    `${r.delivery ?? ''},${csvField(r.deliveryCode ?? '')},${csvField(r.deliveryReason ?? '')},${r.reportedAt ?? ''},${r.price ?? ''},${csvField(r.currency ?? '')}` +
    (r.content === undefined ? '' : `,${csvField(r.content)}`);
}

function csvField(v: string): string {
  // Most fields of a million lines are empty or plain digits: no need to look for quotes in those.
  return v === '' || !/[",\r\n]/.test(v) ? v : `"${v.replace(/"/g, '""')}"`;
}
