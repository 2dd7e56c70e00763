import { csvCell, csvNumberCell } from '../text/csv-cell';
import type { RecipientResult } from '../types';

/** The columns every results CSV starts with, in the order readers of older versions know them. */
const COLUMNS = 'number,orderId,status,msgId,code,reason,delivery,deliveryCode,deliveryReason,reportedAt,price,currency';

/**
 * Columns that came later go at the end, in the order they came, so that a reader that takes columns by position
 * finds the others where they were: `account` (the gateway account the recipient's call went to), then `clicks` and
 * `firstClickAt` (tracked links; empty for a campaign without them), then `variant` (A/B variants: the recipient's
 * text, "A" to "E"; empty without variants, and outside the canary until it is judged).
 */
const LATER = 'account,clicks,firstClickAt,variant';

/** Results as CSV, one line per recipient: what `smsq results` prints and GET /v1/campaigns/:id/results serves. */
export const CSV_HEADER = `${COLUMNS},${LATER}`;

/** With `--with-content` / `withContent=true`: the recipient's text after `currency`, where it always was, then the later ones. */
export const CSV_HEADER_WITH_CONTENT = `${COLUMNS},content,${LATER}`;

export function csvLine(r: RecipientResult): string {
  // One template rather than an array joined: this runs once per recipient of a million-line export. The fields
  // smsq names itself (status, delivery) are written as they are; the others may come from a user or the gateway,
  // and `account`, read back from a stored outcome, is escaped like them.
  return (
    `${csvNumberCell(r.number)},${csvCell(r.orderId)},${r.status},${csvCell(r.msgId ?? '')},${csvCell(r.code ?? '')},${csvCell(r.reason ?? '')},` +
    `${r.delivery ?? ''},${csvCell(r.deliveryCode ?? '')},${csvCell(r.deliveryReason ?? '')},${csvCell(r.reportedAt ?? '')},${csvCell(r.price ?? '')},${csvCell(r.currency ?? '')}` +
    (r.content === undefined ? '' : `,${csvCell(r.content)}`) +
    `,${csvCell(r.account ?? '')},${r.clicks ?? ''},${r.firstClickAt ?? ''},${r.variant ?? ''}`
  );
}
