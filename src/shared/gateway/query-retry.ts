import { backoffDelay } from '../time/backoff';
import type { QueryFailure } from './parse-queries';

/**
 * The one retry rule of the gateway's read-only queries (getReport, getSentRcd, recordMo). A query changes
 * nothing, so asking again is always safe; the rule says which failures a retry soon may get past, and how long
 * to wait before it. The report poller, the reply poller and settling all follow it.
 */

/** The longest wait between two tries, before jitter. */
export const QUERY_RETRY_MAX_MS = 10 * 60_000;

/** A failure that asking again soon may get past: -15 (queried too frequently), -18 (busy), a 5xx, or no answer. */
export function isTransientQueryFailure(f: QueryFailure): boolean {
  return (
    f.kind === 'transport' ||
    (f.kind === 'status' && (f.status === '-18' || f.status === '-15')) ||
    (f.kind === 'http' && (f.httpStatus ?? 0) >= 500)
  );
}

/**
 * The wait after the `failures`-th failure in a row: `firstMs`, doubled per failure up to 10 minutes, ±50%. The
 * jitter matters because the pollers and settling share the account's query allowance (-15): after failing together
 * they would otherwise ask again together.
 */
export function queryRetryDelay(failures: number, firstMs: number, random = Math.random()): number {
  return backoffDelay(failures, firstMs, QUERY_RETRY_MAX_MS, random);
}
