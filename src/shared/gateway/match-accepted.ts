import type { Recipient } from '../types';
import type { AcceptedEntry } from './parse-reply';

export interface Match {
  /** msgId for each accepted recipient, by its index in the call. */
  msgIds: Map<number, string>;
  /** Entries of `array` that name no recipient of the call (logged; never guessed onto someone). */
  strays: AcceptedEntry[];
}

/**
 * Matches the gateway's `array` to the call's recipients by orderId, then by number — never by position,
 * since nothing promises that `array` keeps the request's order. orderIds and numbers are unique within a
 * campaign, so either identifies one recipient.
 */
export function matchAccepted(recipients: ReadonlyArray<Recipient>, indices: ReadonlyArray<number>, accepted: AcceptedEntry[]): Match {
  const byOrderId = new Map<string, number>();
  for (const i of indices) byOrderId.set(recipients[i].orderId, i);
  // By number only for an entry whose orderId is missing or unknown: gateways that echo orderIds never need it.
  let byNumber: Map<string, number> | undefined;
  const msgIds = new Map<number, string>();
  const strays: AcceptedEntry[] = [];
  for (const entry of accepted) {
    let i = entry.orderId ? byOrderId.get(entry.orderId) : undefined;
    if (i === undefined) {
      byNumber ??= new Map(indices.map((j) => [recipients[j].number, j]));
      i = byNumber.get(entry.number.replace(/\D/g, ''));
    }
    if (i === undefined || msgIds.has(i)) strays.push(entry);
    else msgIds.set(i, entry.msgId);
  }
  return { msgIds, strays };
}
