import type { RecipientStatus, StoredOutcome } from '../types';

/**
 * The one table from a stored outcome's letter to its recipient status and to the campaign hash counter that
 * counts it, and whether workers count it in smsq_recipients_total as they record it (`cancelled`, `not-sent`
 * and `expired` are settled by the producer, reconcile and the expiry, and are left out). The Lua scripts hold a copy
 * of the counters (src/shared/redis/scripts/includes/outcome-counters.lua, which test/unit/lua-scripts.test.ts holds
 * to this table): a new outcome is added here and there.
 */
export const OUTCOMES = {
  s: { status: 'sent', counter: 'sent', metric: true },
  f: { status: 'failed', counter: 'failed', metric: true },
  u: { status: 'unknown', counter: 'unknown', metric: true },
  c: { status: 'cancelled', counter: 'cancelled', metric: false },
  n: { status: 'not-sent', counter: 'notSent', metric: false },
  x: { status: 'suppressed', counter: 'suppressed', metric: true },
  k: { status: 'capped', counter: 'capped', metric: true },
  e: { status: 'expired', counter: 'expired', metric: false },
} as const satisfies Record<StoredOutcome[0], { status: RecipientStatus; counter: string; metric: boolean }>;

export type OutcomeLetter = keyof typeof OUTCOMES;
/** The campaign hash counter of each outcome (`sent`, `notSent`, …), as the table names them. */
export type OutcomeCounter = (typeof OUTCOMES)[OutcomeLetter]['counter'];
// Object.keys types its result as string[]; these are the table's own keys.
export const OUTCOME_LETTERS = Object.keys(OUTCOMES) as OutcomeLetter[];

/** A value for each outcome letter. */
export function byLetter<T>(value: (letter: OutcomeLetter) => T): Record<OutcomeLetter, T> {
  const out: Partial<Record<OutcomeLetter, T>> = {};
  for (const l of OUTCOME_LETTERS) out[l] = value(l);
  // Every letter of the table was set just above.
  return out as Record<OutcomeLetter, T>;
}

/** A campaign's recipients per outcome, each read by `read` from its counter. */
export function outcomeCounts(read: (counter: OutcomeCounter) => number): Record<OutcomeCounter, number> {
  const counts: Partial<Record<OutcomeCounter, number>> = {};
  for (const l of OUTCOME_LETTERS) counts[OUTCOMES[l].counter] = read(OUTCOMES[l].counter);
  // Every counter of the table was set just above.
  return counts as Record<OutcomeCounter, number>;
}

/** Recipients with an outcome, of any kind: what batches have counted into their campaign so far. */
export function settledCount(counts: Readonly<Record<OutcomeCounter, number>>): number {
  let n = 0;
  for (const l of OUTCOME_LETTERS) n += counts[OUTCOMES[l].counter];
  return n;
}
