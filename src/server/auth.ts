/**
 * Who may call what: a bearer token for the /v1 API (API_TOKEN), HTTP basic auth for the dashboard
 * (DASHBOARD_USER, DASHBOARD_PASSWORD). Both refuse in onRequest, before a body is read.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../shared/config';
import { bearerToken, secretMatches } from '../shared/secret-compare';
import { closeIfUnread, type ErrorBody } from './errors';

function refuse(req: FastifyRequest, reply: FastifyReply, challenge: string, message: string): FastifyReply {
  const body: ErrorBody = { error: { code: 'UNAUTHORIZED', message } };
  closeIfUnread(req, reply);
  return reply.code(401).header('www-authenticate', challenge).send(body);
}

/** onRequest hook of the /v1 routes. Without API_TOKEN every call is refused, and the answer says why. */
export function bearerAuth(apiToken: string | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const challenge = 'Bearer realm="smsq"';
    if (apiToken === undefined) return refuse(req, reply, challenge, 'the API is disabled: API_TOKEN is not set on the server');
    const token = bearerToken(req.headers.authorization);
    if (!token) return refuse(req, reply, challenge, 'send the API token as "Authorization: Bearer <API_TOKEN>"');
    if (!secretMatches(token, apiToken)) return refuse(req, reply, challenge, 'wrong API token');
  };
}

/** onRequest hook of the dashboard: user and password both compared, in constant time, whatever the first says. */
export function basicAuth(credentials: NonNullable<ServerConfig['dashboard']>) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const challenge = 'Basic realm="smsq dashboard", charset="UTF-8"';
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ', 2);
    if (scheme?.toLowerCase() !== 'basic' || !encoded)
      return refuse(req, reply, challenge, 'the dashboard needs DASHBOARD_USER and DASHBOARD_PASSWORD');
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon === -1 ? decoded : decoded.slice(0, colon);
    const password = colon === -1 ? '' : decoded.slice(colon + 1);
    const userOk = secretMatches(user, credentials.user);
    const passwordOk = secretMatches(password, credentials.password);
    if (!(userOk && passwordOk)) return refuse(req, reply, challenge, 'wrong dashboard user or password');
  };
}
