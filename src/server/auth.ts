/**
 * Who may call, and as whom. The /v1 API takes a bearer token: API_TOKEN (an admin) or an API key (its scope and
 * tenant). The console takes HTTP basic auth: DASHBOARD_USER and DASHBOARD_PASSWORD (an admin), or any user name
 * with a `tenant` or `read` API key as the password (that key's view). Each sets `req.principal` and refuses in
 * onRequest, before a body is read. Keys are checked against Redis on every request (no cache): a revoked key is
 * refused by every server from the next request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../shared/config';
import { bearerToken, secretMatches } from '../shared/secret-compare';
import { keyIdOf, type Principal } from '../shared/tenants/api-key';
import { bearerPrincipal, KEY_REFUSED } from '../shared/tenants/bearer-auth';
import type { KeyStore } from '../shared/tenants/key-store';
import { closeIfUnread, type ErrorBody } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the authentication hooks before any route runs. */
    principal?: Principal;
  }
}

/** The console without a login (127.0.0.1 only): whoever reaches it is an admin. */
export const LOOPBACK_CONSOLE: Principal = { keyId: 'console', keyName: 'console (127.0.0.1, no login)', scope: 'admin' };

function refuse(req: FastifyRequest, reply: FastifyReply, challenge: string, message: string): FastifyReply {
  const body: ErrorBody = { error: { code: 'UNAUTHORIZED', message } };
  closeIfUnread(req, reply);
  return reply.code(401).header('www-authenticate', challenge).send(body);
}

/** onRequest hook of the /v1 routes: API_TOKEN or an API key, as `Authorization: Bearer …`. */
export function bearerAuth(apiToken: string | undefined, apiKeys: KeyStore) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const challenge = 'Bearer realm="smsq"';
    const check = await bearerPrincipal(bearerToken(req.headers.authorization), apiToken, apiKeys);
    if ('refused' in check) return refuse(req, reply, challenge, check.refused);
    req.principal = check.principal;
  };
}

/**
 * onRequest hook of the console: the dashboard login, compared in constant time whatever the first half says, or a
 * `tenant`/`read` key as the password (an admin key is for the API; the dashboard login is the console's admin).
 * Without DASHBOARD_USER the server is on 127.0.0.1 and a request without a login is the loopback admin.
 */
export function consoleAuth(credentials: ServerConfig['dashboard'], apiKeys: KeyStore) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const challenge = 'Basic realm="smsq dashboard", charset="UTF-8"';
    const login = basicLogin(req);
    if (!login) {
      if (!credentials) {
        req.principal = LOOPBACK_CONSOLE;
        return;
      }
      return refuse(req, reply, challenge, 'log in with DASHBOARD_USER and DASHBOARD_PASSWORD, or with a tenant key as the password');
    }
    if (credentials && isDashboardLogin(login, credentials)) {
      req.principal = dashboardPrincipal(credentials);
      return;
    }
    if (keyIdOf(login.password) !== null) {
      const check = await apiKeys.check(login.password);
      if ('principal' in check && check.principal.scope !== 'admin') {
        req.principal = check.principal;
        return;
      }
      if ('refused' in check && check.refused !== 'unknown') return refuse(req, reply, challenge, KEY_REFUSED[check.refused]);
    }
    return refuse(req, reply, challenge, 'wrong dashboard user or password');
  };
}

/** onRequest hook of bull-board: only the dashboard login (it shows every tenant's jobs). */
export function basicAuth(credentials: NonNullable<ServerConfig['dashboard']>) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const challenge = 'Basic realm="smsq dashboard", charset="UTF-8"';
    const login = basicLogin(req);
    if (!login) return refuse(req, reply, challenge, 'the dashboard needs DASHBOARD_USER and DASHBOARD_PASSWORD');
    if (!isDashboardLogin(login, credentials)) return refuse(req, reply, challenge, 'wrong dashboard user or password');
    req.principal = dashboardPrincipal(credentials);
  };
}

/** The dashboard login as the audit trail names it. */
const dashboardPrincipal = (credentials: NonNullable<ServerConfig['dashboard']>): Principal => ({
  keyId: 'dashboard',
  keyName: `dashboard:${credentials.user}`,
  scope: 'admin',
});

/** User and password both compared, in constant time, whatever the first says. */
function isDashboardLogin(login: { user: string; password: string }, credentials: NonNullable<ServerConfig['dashboard']>): boolean {
  const userOk = secretMatches(login.user, credentials.user);
  const passwordOk = secretMatches(login.password, credentials.password);
  return userOk && passwordOk;
}

function basicLogin(req: FastifyRequest): { user: string; password: string } | null {
  const [scheme, encoded] = (req.headers.authorization ?? '').split(' ', 2);
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
