import { DEFAULT_ACCOUNT } from '../config';
import type { StoredOutcome } from '../types';

/** Where each outcome that went to an account keeps its name (shared/types.ts, StoredOutcome). */
const ACCOUNT_AT: Partial<Record<StoredOutcome[0], number>> = { s: 3, f: 3, u: 4, n: 2 };

/**
 * The account a recipient's call went to: the one its outcome names, `default` for a sent, unknown or not-sent
 * outcome that names none (the default account's are stored without it), and undefined for an outcome no call
 * made (suppressed, capped, cancelled, expired, a failure decided before any call).
 */
export function accountOf(o: StoredOutcome): string | undefined {
  const at = ACCOUNT_AT[o[0]];
  if (at === undefined) return undefined;
  const name = o[at];
  if (typeof name === 'string' && name !== '') return name;
  return o[0] === 'f' ? undefined : DEFAULT_ACCOUNT;
}

/** `o` naming `account` (nothing is added for the default account, whose outcomes stay as short as before). */
export function withAccount(o: StoredOutcome, account: string): StoredOutcome {
  const at = ACCOUNT_AT[o[0]];
  if (at === undefined || account === DEFAULT_ACCOUNT) return o;
  const out: Array<string | number | null | undefined> = [...o];
  while (out.length < at) out.push(null);
  out[at] = account;
  // The positions above are StoredOutcome's own: the tuple keeps its shape, with nulls for the optional fields skipped.
  return out as StoredOutcome;
}
