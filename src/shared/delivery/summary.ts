import type { DeliveryCounters } from '../campaign-record';
import type { DeliveryState, DeliverySummary, RecipientResult } from '../types';
import type { StoredDelivery } from './delivery-store';
import { formatMicros } from './money';

/** A campaign's delivery figures, from the counters APPLY_REPORT keeps in the campaign hash. */
export function deliverySummary(counters: DeliveryCounters, sent: number): DeliverySummary {
  const { delivered, undelivered, expired } = counters;
  const cost: Record<string, string> = {};
  for (const [currency, micros] of Object.entries(counters.cost)) if (micros !== 0) cost[currency || 'unknown'] = formatMicros(micros);
  return {
    delivered,
    undelivered,
    expired,
    pending: Math.max(0, sent - delivered - undelivered - expired),
    // Of the messages whose fate is known: right after a campaign completes most reports are still pending, and
    // delivered / sent would read as a failure.
    deliveryRate: delivered + undelivered > 0 ? delivered / (delivered + undelivered) : null,
    cost,
    priced: counters.priced,
  };
}

const STATE: Record<StoredDelivery[0], DeliveryState> = { d: 'delivered', x: 'undelivered', e: 'expired' };

/** Adds a sent recipient's delivery fields to its result line (in place: a million lines make no copies). */
export function withDelivery(r: RecipientResult, d: StoredDelivery | undefined): RecipientResult {
  if (r.status !== 'sent') return r;
  if (!d) {
    r.delivery = 'pending';
    return r;
  }
  const [state, at, code, reason, pay, currency] = d;
  r.delivery = STATE[state];
  if (state === 'x') {
    r.deliveryCode = code;
    if (reason) r.deliveryReason = reason;
  }
  if (state !== 'e') r.reportedAt = new Date(at).toISOString();
  if (pay !== undefined) {
    r.price = formatMicros(pay);
    r.currency = currency ?? '';
  }
  return r;
}
