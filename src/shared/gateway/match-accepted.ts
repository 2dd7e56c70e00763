import type { Recipient } from '../types';
import type { AnswerChecks } from './outcome-table';
import type { AcceptedEntry } from './parse-reply';

/**
 * The ways a status-0 answer can disagree with itself or with the call (each counted in a metric, by this name):
 * - `malformed-entry`: an element of `array` that is not an entry (no msgId, a field of the wrong type, neither
 *   number nor orderId, or an `array` that is not a list);
 * - `unknown-recipient`: an entry whose orderId, or number when it gives no orderId, is not in the call;
 * - `ambiguous-number`: an entry with no orderId whose number is in the call twice;
 * - `mismatched-pair`: an entry whose orderId is one recipient's and whose number is not that recipient's;
 * - `repeated-msgid`: one msgId in two entries;
 * - `repeated-recipient`: one recipient in two entries;
 * - `count-mismatch`: `success` missing or not the number of entries, a count that is not a whole number, or
 *   `success + fail` not the call's size.
 */
export type Disagreement =
  | 'malformed-entry'
  | 'unknown-recipient'
  | 'ambiguous-number'
  | 'mismatched-pair'
  | 'repeated-msgid'
  | 'repeated-recipient'
  | 'count-mismatch';

export interface Match {
  /** msgId for each recipient the answer names unmistakably, by its index in the call. */
  msgIds: Map<number, string>;
  /**
   * How the answer disagrees, with how often; empty when it agrees. Then the recipients it does not name were not
   * accepted; otherwise nobody can tell, and they are `unknown` (the gateway's records settle them).
   */
  disagreements: Map<Disagreement, number>;
}

/** A number the call's recipient has: the same digits, whatever the gateway added around them (`+`, spaces). */
function sameNumber(ours: string, theirs: string): boolean {
  return ours === theirs || ours === theirs.replace(/\D/g, '');
}

/**
 * Matches the gateway's `array` to the call's recipients by orderId, then by number — never by position, since
 * nothing promises that `array` keeps the request's order — and checks the answer against itself and the call.
 * An entry is attributed only when it names one recipient unmistakably and its msgId is its own: a msgId that
 * went to another recipient would be worse than none (reports and settling follow msgIds).
 */
export function matchAccepted(
  recipients: ReadonlyArray<Recipient>,
  indices: ReadonlyArray<number>,
  accepted: AcceptedEntry[],
  checks: AnswerChecks,
): Match {
  const disagreements = new Map<Disagreement, number>();
  const note = (d: Disagreement) => disagreements.set(d, (disagreements.get(d) ?? 0) + 1);
  const byOrderId = new Map<string, number>();
  for (const i of indices) byOrderId.set(recipients[i].orderId, i);
  // By number only for an entry without an orderId: gateways that echo orderIds never need it. -1: twice in the call.
  let byNumber: Map<string, number> | undefined;
  const claims = new Map<number, string>();
  const doubtful = new Set<number>();
  // Each msgId's first claim; a repeat makes every entry carrying it unusable (an index, or -1 for no recipient).
  const byMsgId = new Map<string, number>();
  for (const msgId of checks.malformedMsgIds) byMsgId.set(msgId, -1);
  for (const entry of accepted) {
    let i: number | undefined;
    if (entry.orderId !== '') {
      i = byOrderId.get(entry.orderId);
      if (i === undefined) note('unknown-recipient');
      else if (entry.number !== '' && !sameNumber(recipients[i].number, entry.number)) {
        note('mismatched-pair');
        i = undefined;
      }
    } else if (entry.number !== '') {
      byNumber ??= numbersOf(recipients, indices);
      i = byNumber.get(entry.number) ?? byNumber.get(entry.number.replace(/\D/g, ''));
      if (i === undefined) note('unknown-recipient');
      else if (i === -1) {
        note('ambiguous-number');
        i = undefined;
      }
    } else note('malformed-entry');
    const first = byMsgId.get(entry.msgId);
    if (first !== undefined) {
      note('repeated-msgid');
      if (first >= 0) doubtful.add(first);
      if (i !== undefined) doubtful.add(i);
      continue;
    }
    byMsgId.set(entry.msgId, i ?? -1);
    if (i === undefined) continue;
    if (claims.has(i)) {
      note('repeated-recipient');
      doubtful.add(i);
    } else claims.set(i, entry.msgId);
  }
  if (checks.malformed > 0) disagreements.set('malformed-entry', (disagreements.get('malformed-entry') ?? 0) + checks.malformed);
  const listed = accepted.length + checks.malformed;
  const { success, fail } = checks;
  if (success !== listed || checks.unreadableCounts || (fail !== null && success + fail !== indices.length)) note('count-mismatch');
  for (const i of doubtful) claims.delete(i);
  return { msgIds: claims, disagreements };
}

function numbersOf(recipients: ReadonlyArray<Recipient>, indices: ReadonlyArray<number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const i of indices) out.set(recipients[i].number, out.has(recipients[i].number) ? -1 : i);
  return out;
}
