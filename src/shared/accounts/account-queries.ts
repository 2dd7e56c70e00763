import { DEFAULT_ACCOUNT } from '../config';
import type { GatewayQueries } from '../gateway/queries';
import { AccountGateways } from './gateways';

/**
 * What settling and the pollers ask the gateway's records through: every account's queries (AccountGateways, what
 * workers and producers pass), or one GatewayQueries, which serves the `default` account alone.
 */
export type AccountQueries = GatewayQueries | AccountGateways;

/** The names of the accounts `q` can ask, in the configuration's order. */
export function queryAccounts(q: AccountQueries): string[] {
  return q instanceof AccountGateways ? q.accounts.map((a) => a.name) : [DEFAULT_ACCOUNT];
}

/** The queries of `account`, or undefined when it is not configured (outcomes may name an account since removed). */
export function queriesOf(q: AccountQueries, account: string): GatewayQueries | undefined {
  if (q instanceof AccountGateways) return q.accounts.some((a) => a.name === account) ? q.queries(account) : undefined;
  return account === DEFAULT_ACCOUNT ? q : undefined;
}
