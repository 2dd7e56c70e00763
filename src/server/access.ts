/**
 * What each scope may call: one table, every API route in it, and an onRequest hook that holds each request to it.
 * A route missing from the table is an admin's only (a new route is closed until it is placed here), and the route
 * × scope matrix test walks the table, so a route cannot be added without saying who may call it.
 *
 * - `read`: any key; a tenant's key sees only its own tenant's campaigns (the tenant view, producer/tenant-producer.ts).
 * - `global-read`: reads that span every tenant (metrics, the gateway's balance and accounts): admin and `read`
 *   keys without a tenant.
 * - `write`: changes to campaigns and suppression entries: admin and `tenant` keys (a tenant's own only).
 * - `admin`: the queue, the gateway accounts, webhooks' retries, keys and the audit trail.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../shared/tenants/api-key';
import { readsEveryTenant } from '../shared/tenants/bearer-auth';
import { ApiError } from './errors';

export type Access = 'read' | 'global-read' | 'write' | 'admin';

export const ROUTE_ACCESS: Readonly<Record<string, Access>> = {
  'GET /openapi.json': 'read',
  'GET /metrics': 'global-read',
  'POST /v1/campaigns': 'write',
  'GET /v1/campaigns': 'read',
  'GET /v1/campaigns/:id': 'read',
  'GET /v1/campaigns/:id/results': 'read',
  'GET /v1/campaigns/:id/recipients/:number': 'read',
  'POST /v1/campaigns/:id/cancel': 'write',
  'POST /v1/campaigns/:id/pause': 'write',
  'POST /v1/campaigns/:id/resume': 'write',
  'POST /v1/campaigns/:id/reschedule': 'write',
  'POST /v1/campaigns/:id/max-cost': 'write',
  'POST /v1/campaigns/:id/settle': 'write',
  'POST /v1/campaigns/:id/resend': 'write',
  'POST /v1/campaigns/:id/reconcile': 'write',
  'GET /v1/balance': 'global-read',
  'POST /v1/queue/pause': 'admin',
  'POST /v1/queue/resume': 'admin',
  'GET /v1/accounts': 'global-read',
  'POST /v1/accounts/:name/resume': 'admin',
  'POST /v1/suppressions': 'write',
  'POST /v1/suppressions/remove': 'write',
  'POST /v1/suppressions/import': 'write',
  'GET /v1/suppressions': 'read',
  'GET /v1/suppressions/:number': 'read',
  'GET /v1/replies': 'read',
  'GET /v1/webhooks/failed': 'read',
  'POST /v1/webhooks/retry': 'write',
  'POST /v1/keys': 'admin',
  'GET /v1/keys': 'admin',
  'POST /v1/keys/:id/revoke': 'admin',
  'PATCH /v1/keys/:id': 'admin',
  'GET /v1/audit': 'admin',
  // The console's own reads, beside the API routes it mounts again under its login.
  'GET /status': 'read',
  'GET /campaigns/:id/overview': 'read',
  'GET /campaigns/:id/audit': 'read',
  'GET /whoami': 'read',
  'GET /tenants': 'admin',
};

/** Whether `who` may call a route of `access`. */
export function allows(who: Principal, access: Access): boolean {
  switch (access) {
    case 'read':
      return true;
    case 'global-read':
      return readsEveryTenant(who);
    case 'write':
      return who.scope === 'admin' || who.scope === 'tenant';
    case 'admin':
      return who.scope === 'admin';
  }
}

const NEEDS: Record<Access, string> = {
  read: 'any key',
  'global-read': 'an admin key or a read key without a tenant (it shows every tenant)',
  write: 'an admin or tenant key',
  admin: 'an admin key',
};

/** The table's entry for a request: its route, with the console's `/console/api` prefix taken off. */
export function accessOf(req: FastifyRequest, prefix = ''): Access {
  const url = (req.routeOptions.url ?? '').slice(prefix.length);
  return ROUTE_ACCESS[`${req.method === 'HEAD' ? 'GET' : req.method} ${url}`] ?? 'admin';
}

/** onRequest hook, after authentication: refuses (403) a route the caller's scope does not reach. */
export function accessGuard(prefix = '') {
  return async (req: FastifyRequest) => {
    // No route: the not-found handler answers 404, whoever asks.
    if (!req.routeOptions.url) return;
    const who = req.principal;
    if (!who) throw new ApiError('UNAUTHORIZED', 'no login');
    const access = accessOf(req, prefix);
    if (!allows(who, access))
      throw new ApiError('FORBIDDEN', `${req.method} ${req.routeOptions.url} needs ${NEEDS[access]}; this key's scope is ${who.scope}`, {
        scope: who.scope,
        needs: access,
      });
  };
}
