import { AccountStates, type AccountStop, type Availability } from '../../shared/accounts/account-state';
import type { GatewayAccount } from '../../shared/config';
import { withIsoTimes, type Json } from '../../shared/campaign/json';
import type { Context } from '../../shared/context';
import { SmsqError } from '../../shared/errors';
import type { GatewayQueries } from '../../shared/gateway/queries';
import { readBalance, type BalanceInfo } from './balance';

/** One gateway account as an operator sees it: `smsq accounts`, GET /v1/accounts and the console's Accounts page. */
export interface AccountInfo {
  name: string;
  /** Where it sends: its base URL's scheme, host and port; never a path or credentials a URL might carry. */
  gateway: string;
  /**
   * `ok`; `stopped` (its gateway refused it: `stop` says why, until an operator resumes it); `open` (its circuit
   * breaker routes its traffic to the other accounts until `breaker.probeAt`); `probe` (one call may try it now).
   */
  state: Availability;
  stop: AccountStop | null;
  breaker: {
    /** Transient failures in a row. */
    failures: number;
    /** While the breaker is open: when one probe call may try the account again (ms); absent while it is closed. */
    probeAt?: number;
  };
  /** Its getBalance, unless the list was asked without balances; `balanceUnavailable` says why when it failed. */
  balance?: BalanceInfo;
  balanceUnavailable?: string;
  /** Recipients per second through it, shared by every worker; 0: no limit of its own. */
  maxRate: number;
  priority: number;
  weight: number;
  /** Whom it may send to and with which sender IDs; empty: anyone, any. */
  prefixes: readonly string[];
  countries: readonly string[];
  senderIds: readonly string[];
}

export interface AccountListOptions {
  /** Ask each account's gateway for its balance (one getBalance each, in parallel). @defaultValue true */
  balance?: boolean;
}

/** What `resumeAccount` cleared: the account's stop and its breaker as they were. */
export interface AccountResumed {
  name: string;
  cleared: { stop: AccountStop | null; failures: number; breakerOpen: boolean };
}

/**
 * Every configured account, in the configuration's order, with its state read fresh from Redis and, unless asked
 * not to, its balance. A balance that cannot be read is said so on its account; it never fails the list.
 */
export async function listAccounts(
  ctx: Context,
  queriesOf: (account: string) => GatewayQueries,
  opts: AccountListOptions = {},
): Promise<AccountInfo[]> {
  const states = await ctx.accountStates.read(true);
  const now = Date.now();
  return Promise.all(
    ctx.config.accounts.map(async (a): Promise<AccountInfo> => {
      const view = states.get(a.name) ?? ctx.accountStates.cached(a.name);
      return {
        name: a.name,
        gateway: origin(a.baseUrl),
        state: AccountStates.availability(view, now),
        stop: view.stop,
        breaker: view.openUntil > 0 ? { failures: view.failures, probeAt: view.openUntil } : { failures: view.failures },
        ...(opts.balance === false ? {} : await balanceOf(ctx, a, queriesOf)),
        maxRate: a.maxRate,
        priority: a.priority,
        weight: a.weight,
        prefixes: a.prefixes,
        countries: a.countries,
        senderIds: a.senderIds,
      };
    }),
  );
}

/** The accounts as GET /v1/accounts answers and `smsq accounts --json` prints them: times in ISO 8601. */
export function accountsJson(accounts: readonly AccountInfo[]): { accounts: Array<Json<AccountInfo>> } {
  return { accounts: accounts.map((a) => withIsoTimes(a)) };
}

/**
 * Clears one account's stop and circuit breaker (after a top-up, a fixed key…): every worker routes to it again
 * within a second. ACCOUNT_NOT_FOUND for a name the configuration does not hold.
 */
export async function resumeAccount(ctx: Context, name: string): Promise<AccountResumed> {
  if (!ctx.router.account(name)) {
    const configured = ctx.config.accounts.map((a) => a.name);
    // The name is the caller's: quoted, and cut short, in the message.
    const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
    throw new SmsqError('ACCOUNT_NOT_FOUND', `no gateway account is named "${shown}"; the configured ones are ${configured.join(', ')}`, {
      configured,
    });
  }
  const before = (await ctx.accountStates.read(true)).get(name);
  await ctx.accountStates.clear(name);
  const cleared = { stop: before?.stop ?? null, failures: before?.failures ?? 0, breakerOpen: (before?.openUntil ?? 0) > 0 };
  ctx.log.info({ account: name, stop: cleared.stop?.code, breakerOpen: cleared.breakerOpen }, 'gateway account resumed by an operator');
  return { name, cleared };
}

async function balanceOf(
  ctx: Context,
  a: GatewayAccount,
  queriesOf: (account: string) => GatewayQueries,
): Promise<Pick<AccountInfo, 'balance' | 'balanceUnavailable'>> {
  // Only the default account, made of SMS_API_*, can lack credentials: the accounts of SMS_ACCOUNTS are refused without.
  if (!(a.apiKey && a.apiSecret && a.appId)) {
    return { balanceUnavailable: 'no gateway credentials: set SMS_API_KEY, SMS_API_SECRET and SMS_APP_ID' };
  }
  try {
    return { balance: await readBalance(ctx, queriesOf(a.name)) };
  } catch (err) {
    return { balanceUnavailable: err instanceof Error ? err.message : String(err) };
  }
}

/** `https://api.example.com:8443` of `https://user:pass@api.example.com:8443/sms?x=1`. */
function origin(baseUrl: string): string {
  try {
    return new URL(baseUrl).origin;
  } catch {
    return 'not a URL';
  }
}
