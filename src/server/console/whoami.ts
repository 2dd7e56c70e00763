/**
 * Who is logged in to the console, as the pages show it and shape themselves by: a link or a button the login
 * cannot use is not offered (the server refuses it anyway, access.ts). Nothing secret: a key's id and name, its
 * scope and tenant.
 */
import type { Context } from '../../shared/context';
import type { Principal } from '../../shared/tenants/api-key';
import { allows } from '../access';
import { knownTenants } from './tenants';

export interface Whoami extends Principal {
  /** What the login reaches: changes to campaigns, the gateway accounts' page, the admin's pages and the queue. */
  reaches: { write: boolean; accounts: boolean; admin: boolean };
  /** The tenants known, for the list's filter: only to a login that sees every tenant's campaigns. */
  tenants?: string[];
}

export async function whoami(ctx: Context, who: Principal): Promise<Whoami> {
  const { keyId, keyName, scope, tenant } = who;
  return {
    keyId,
    keyName,
    scope,
    ...(tenant !== undefined ? { tenant } : { tenants: await knownTenants(ctx) }),
    reaches: { write: allows(who, 'write'), accounts: allows(who, 'global-read'), admin: allows(who, 'admin') },
  };
}
