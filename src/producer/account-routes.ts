/**
 * The gateway accounts seen from the producer: the accounts a campaign pins, checked at the edge, and which account
 * each recipient would be tried on first, counted in the validating pass — the recipients no account may send to
 * (NO_ROUTE: queued, and ended `failed` by the worker) named, and each account's share for its balance check.
 */
import { ACCOUNT_NAME, MAX_ACCOUNTS } from '../shared/config/accounts';
import { NO_ROUTE, type Router } from '../shared/accounts/routing';
import { SmsqError } from '../shared/errors';

/** NO_ROUTE rows and numbers listed in a preview or a warning; the count covers them all. */
export const LISTED_NO_ROUTE = 20;

export interface RouteSummary {
  /** Recipients no configured account may send to: queued all the same, they end `failed` with code NO_ROUTE. */
  noRoute: {
    count: number;
    /** The first 20: the 1-based line of the file, or the 1-based position in a list (as RowProblem's `row`). */
    rows: number[];
    /** Their numbers, as normalised. */
    numbers: string[];
  };
  /** Recipients by the account each is tried on first (NO_ROUTE ones left out): how the traffic would split. */
  byAccount: Record<string, number>;
}

/**
 * `accounts` as given (the library's option, the API's field, `--accounts`): undefined for none (an empty list pins
 * none either), the names with repeats dropped, or why the list is not one.
 */
export function pinnedAccounts(value: unknown): { names?: string[]; problem: string | null } {
  if (value === undefined) return { problem: null };
  if (!Array.isArray(value)) return { problem: 'must be an array of account names' };
  if (value.length > MAX_ACCOUNTS) return { problem: `names ${value.length} accounts; at most ${MAX_ACCOUNTS}` };
  const bad = value.find((n) => typeof n !== 'string' || !ACCOUNT_NAME.test(n));
  if (bad !== undefined)
    return {
      problem: `${JSON.stringify(typeof bad === 'string' ? bad.slice(0, 40) : bad)} is not an account name (lowercase letters, digits, - and _; at most 32 characters)`,
    };
  return { names: value.length > 0 ? [...new Set(value as string[])] : undefined, problem: null };
}

/** Throws UNKNOWN_ACCOUNT, nothing queued, when a pinned name is not a configured account. */
export function refuseUnknownAccounts(router: Router, names: readonly string[]): void {
  const unknown = router.unknown(names);
  if (unknown.length === 0) return;
  const configured = router.accounts.map((a) => a.name);
  throw new SmsqError(
    'UNKNOWN_ACCOUNT',
    `accounts: ${unknown.map((n) => `"${n}"`).join(', ')} ${unknown.length === 1 ? 'is not a configured gateway account' : 'are not configured gateway accounts'}; nothing was queued. The accounts configured (SMS_ACCOUNTS) are ${configured.join(', ')}.`,
    { unknown, configured },
  );
}

/** Counts, recipient by recipient, the account each would be tried on first (Router caches its answer per prefix). */
export class RouteTally {
  private readonly byAccount = new Map<string, number>();
  private readonly noRoute: RouteSummary['noRoute'] = { count: 0, rows: [], numbers: [] };
  /** The route every recipient takes, when no account looks at the number and at most one may send at all. */
  private readonly fixed: readonly string[] | undefined;

  constructor(
    private readonly router: Router,
    private readonly senderId: string | undefined,
    private readonly pinned: readonly string[] | undefined,
  ) {
    const byNumber = router.accounts.some((a) => a.prefixes.length > 0 || a.countries.length > 0);
    const any = byNumber ? undefined : router.route('', senderId, pinned);
    // Two or more such accounts: which is first may still depend on the number (weights), so it is asked each time.
    this.fixed = any !== undefined && any.length <= 1 ? any : undefined;
  }

  add(row: number, number: string): void {
    const first = (this.fixed ?? this.router.route(number, this.senderId, this.pinned))[0];
    if (first !== undefined) {
      this.byAccount.set(first, (this.byAccount.get(first) ?? 0) + 1);
      return;
    }
    const n = this.noRoute;
    n.count++;
    if (n.rows.length < LISTED_NO_ROUTE) {
      n.rows.push(row);
      n.numbers.push(number);
    }
  }

  summary(): RouteSummary {
    return {
      noRoute: { count: this.noRoute.count, rows: [...this.noRoute.rows], numbers: [...this.noRoute.numbers] },
      byAccount: Object.fromEntries(this.byAccount),
    };
  }
}

/** The warning an enqueue and a preview give when recipients have no route; none when all have one. */
export function noRouteWarning({ noRoute }: RouteSummary): string | undefined {
  if (noRoute.count === 0) return undefined;
  const more = noRoute.count - noRoute.rows.length;
  return (
    `${noRoute.count} recipient${noRoute.count === 1 ? ' has' : 's have'} no gateway account that may send to them (${NO_ROUTE}): ` +
    `row${noRoute.rows.length === 1 ? '' : 's'} ${noRoute.rows.join(', ')}${more > 0 ? ` and ${more} more` : ''}. ` +
    `They are queued and end failed with ${NO_ROUTE}; check the accounts' prefixes, countries and senderIds (SMS_ACCOUNTS), and the campaign's sender ID and accounts.`
  );
}
