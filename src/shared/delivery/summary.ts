import type { DeliveryCounters } from '../campaign/record';
import { isShowableTime } from '../time/stored-time';
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

/**
 * A recipient's stored delivery entry (`[state, at, code, reason, pay?, currency?]` as JSON), or null when it is
 * not one (corrupt, or written by hand): the result line then shows no report rather than failing the export.
 */
export function readStoredDelivery(text: string): StoredDelivery | null {
  let d: unknown;
  try {
    d = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(d) || !(d[0] in STATE) || typeof d[1] !== 'number') return null;
  if (d[4] !== undefined && (typeof d[4] !== 'number' || !Number.isFinite(d[4]))) return null;
  return [
    d[0] as StoredDelivery[0],
    d[1],
    String(d[2] ?? ''),
    String(d[3] ?? ''),
    d[4] as number | undefined,
    d[5] === undefined ? undefined : String(d[5]),
  ];
}

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
  // A time stored before reports were checked, or by hand, may be no date: the line goes without it rather than failing the export.
  if (state !== 'e' && isShowableTime(at)) r.reportedAt = new Date(at).toISOString();
  if (pay !== undefined) {
    r.price = formatMicros(pay);
    r.currency = currency ?? '';
  }
  return r;
}
