/**
 * The callers of the route × scope × tenant matrix (test/integration/server/access-matrix.test.ts): one of each
 * kind of key, the campaigns' owners, how each caller names another owner's campaign, and the answer the access
 * table (src/server/access.ts) and tenant isolation say it gets.
 */
import { allows, ROUTE_ACCESS } from '../../src/server/access';
import type { Context } from '../../src/shared/context';
import { API_TOKEN_PRINCIPAL, type Principal } from '../../src/shared/tenants/api-key';
import { ownedId } from '../../src/shared/tenants/campaign-owner';
import { KeyStore } from '../../src/shared/tenants/key-store';
import { offsetClock } from '../../src/shared/time/clock';
import { BEARER, DASHBOARD } from './server';

/** Whose a campaign is: an admin's (no tenant) or a tenant's. */
export type Owner = 'admin' | 'shop' | 'billing';
export const OWNERS: readonly Owner[] = ['admin', 'shop', 'billing'];
export const tenantOf = (owner: Owner): string | undefined => (owner === 'admin' ? undefined : owner);

export interface Caller {
  name: string;
  /** Who the server takes the caller for; null: refused at the login (no key, a revoked or an expired one). */
  who: Principal | null;
  headers: Record<string, string>;
}

/** The keys of each kind, made once for the file; the secrets stay in this process. */
export interface Keys {
  admin: string;
  shop: string;
  billing: string;
  read: string;
  readShop: string;
  revoked: string;
  expired: string;
}

export async function makeKeys(ctx: Context): Promise<Keys> {
  const make = async (name: string, scope: Principal['scope'], tenant?: string) =>
    (await ctx.apiKeys.create({ name, scope, ...(tenant ? { tenant } : {}) })).key;
  const revoked = await ctx.apiKeys.create({ name: 'revoked', scope: 'tenant', tenant: 'shop' });
  await ctx.apiKeys.revoke(revoked.record.id);
  // A key made two hours ago for one hour: expired now, on the server's own clock.
  const past = new KeyStore(ctx.redis, ctx.keys, offsetClock(-2 * 3600_000));
  const expired = await past.create({ name: 'expired', scope: 'tenant', tenant: 'shop', expiresInMs: 3600_000 });
  return {
    admin: await make('admin', 'admin'),
    shop: await make('shop', 'tenant', 'shop'),
    billing: await make('billing', 'tenant', 'billing'),
    read: await make('read', 'read'),
    readShop: await make('read-shop', 'read', 'shop'),
    revoked: revoked.key,
    expired: expired.key,
  };
}

const as = (scope: Principal['scope'], tenant?: string): Principal => ({ keyId: '', keyName: '', scope, ...(tenant ? { tenant } : {}) });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

/** Every kind of caller of the /v1 API. */
export function apiCallers(k: Keys): Caller[] {
  return [
    { name: 'API_TOKEN', who: API_TOKEN_PRINCIPAL, headers: BEARER },
    { name: 'an admin key', who: as('admin'), headers: bearer(k.admin) },
    { name: "shop's tenant key", who: as('tenant', 'shop'), headers: bearer(k.shop) },
    { name: "billing's tenant key", who: as('tenant', 'billing'), headers: bearer(k.billing) },
    { name: 'a read key', who: as('read'), headers: bearer(k.read) },
    { name: 'a read key bound to shop', who: as('read', 'shop'), headers: bearer(k.readShop) },
    { name: 'a revoked key', who: null, headers: bearer(k.revoked) },
    { name: 'an expired key', who: null, headers: bearer(k.expired) },
    { name: 'no Authorization', who: null, headers: {} },
  ];
}

/** Every kind of console login: any user name with a tenant or read key as the password; an admin key is not one. */
export function consoleCallers(k: Keys): Caller[] {
  return [
    { name: 'the dashboard login', who: as('admin'), headers: basic(DASHBOARD.user, DASHBOARD.password) },
    { name: 'an admin key as the password', who: null, headers: basic('anyone', k.admin) },
    { name: "shop's tenant key", who: as('tenant', 'shop'), headers: basic('shop-operator', k.shop) },
    { name: "billing's tenant key", who: as('tenant', 'billing'), headers: basic('billing-operator', k.billing) },
    { name: 'a read key', who: as('read'), headers: basic('watcher', k.read) },
    { name: 'a read key bound to shop', who: as('read', 'shop'), headers: basic('watcher', k.readShop) },
    { name: 'a revoked key', who: null, headers: basic('shop-operator', k.revoked) },
    { name: 'no login', who: null, headers: {} },
  ];
}

/** A campaign as one caller names it: a tenant by its own id (as it gave it), a caller without a tenant by the stored id. */
export interface Target {
  owner: Owner;
  /** The id in the URL. */
  id: string;
  label: string;
}

/**
 * How `who` names `owner`'s campaign `plainId`. A tenant naming another's campaign tries both names it could know:
 * the id that tenant gave, and the id as an admin sees it (`<tenant>~<id>`).
 */
export function namings(who: Principal | null, owner: Owner, plainId: string): Target[] {
  const stored = ownedId(tenantOf(owner), plainId);
  const whose = owner === 'admin' ? "an admin's campaign" : `${owner}'s campaign`;
  if (who?.tenant === undefined) return [{ owner, id: stored, label: whose }];
  if (who.tenant === owner) return [{ owner, id: plainId, label: `its own campaign` }];
  const byPlain = { owner, id: plainId, label: `${whose} by its id` };
  return stored === plainId ? [byPlain] : [byPlain, { owner, id: stored, label: `${whose} by its stored id` }];
}

/** An answer the matrix expects: a refusal with its status and code, or success (the fixture says what that is). */
export type Expected = { status: 401 | 403 | 404; code: string } | 'ok';

/** What the access table and isolation say `who` gets on `route` (as the table names it), naming `target`'s campaign. */
export function expected(route: string, who: Principal | null, target?: Target): Expected {
  if (!who) return { status: 401, code: 'UNAUTHORIZED' };
  if (!allows(who, ROUTE_ACCESS[route] ?? 'admin')) return { status: 403, code: 'FORBIDDEN' };
  if (target && who.tenant !== undefined && tenantOf(target.owner) !== who.tenant) return { status: 404, code: 'CAMPAIGN_NOT_FOUND' };
  return 'ok';
}

export const describeExpected = (e: Expected): string => (e === 'ok' ? 'success' : `${e.status} ${e.code}`);
