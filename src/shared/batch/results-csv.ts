import { csvCell, csvNumberCell } from '../text/csv-cell';
import type { RecipientResult } from '../types';

/** Results as CSV, one line per recipient: what `smsq results` prints and GET /v1/campaigns/:id/results serves. */
export const CSV_HEADER = 'number,orderId,status,msgId,code,reason,delivery,deliveryCode,deliveryReason,reportedAt,price,currency';

/** With `--with-content` / `withContent=true`: the recipient's text as a last column. */
export const CSV_HEADER_WITH_CONTENT = `${CSV_HEADER},content`;

export function csvLine(r: RecipientResult): string {
  // One template rather than an array joined: this runs once per recipient of a million-line export. The fields
  // smsq names itself (status, delivery) are written as they are; the others may come from a user or the gateway.
  return (
    `${csvNumberCell(r.number)},${csvCell(r.orderId)},${r.status},${csvCell(r.msgId ?? '')},${csvCell(r.code ?? '')},${csvCell(r.reason ?? '')},` +
    `${r.delivery ?? ''},${csvCell(r.deliveryCode ?? '')},${csvCell(r.deliveryReason ?? '')},${csvCell(r.reportedAt ?? '')},${csvCell(r.price ?? '')},${csvCell(r.currency ?? '')}` +
    (r.content === undefined ? '' : `,${csvCell(r.content)}`)
  );
}
