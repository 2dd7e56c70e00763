import type { Config } from '../shared/config';
import { ApiError } from './errors';

/**
 * The account a gateway push names in its address (`…/accounts/:account`), checked against the configured ones;
 * undefined for the default account's address. Called after the push's token is checked, so that a caller without
 * the token learns nothing of which accounts there are.
 */
export function pushAccounts(config: Pick<Config, 'accounts'>): (account: string | undefined) => void {
  const names = new Set(config.accounts.map((a) => a.name));
  return (account) => {
    if (account !== undefined && !names.has(account))
      throw new ApiError(
        'NOT_FOUND',
        'no gateway account of that name is configured here: push to the address of one that is (SMS_ACCOUNTS)',
      );
  };
}
