/**
 * What a web page on another site may not make a logged-in browser do. The console and bull-board are reached
 * with HTTP basic auth, which a browser sends by itself on any request to this server, wherever the page that
 * made it came from: so every request that changes something must prove it came from this server's own pages,
 * and without a login (the server then listens on 127.0.0.1) a page must not reach the server under another name.
 * The /v1 API is not guarded here: a bearer token is never sent by a browser on its own.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, sendError } from './errors';

/** Methods that only read: everything else changes state. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The names 127.0.0.1 answers to, besides those an operator allows (SERVER_ALLOWED_HOSTS). */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** `Sec-Fetch-Site` values a browser sends for this server's own pages (`none`: typed in the address bar, a bookmark). */
const SAME_SITE_FETCH = new Set(['same-origin', 'none']);

/**
 * onRequest hook of the console and the dashboard: a state-changing request is refused unless a browser says it
 * came from this origin (`Sec-Fetch-Site`, else `Origin`, else `Referer`, each compared with the Host it was sent
 * to), and unless its body, if it has one, is JSON: a cross-site HTML form can send text/plain or form data but
 * never application/json, which a page on another site could only send after a CORS preflight this server never
 * answers. With `requireJson`, a body-less request must say JSON too (the console's own script always does).
 */
export function sameOriginOnly(opts: { requireJson: boolean }) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (SAFE_METHODS.has(req.method)) return;
    const refusal = crossSiteRefusal(req) ?? mediaTypeRefusal(req, opts.requireJson);
    if (refusal) return sendError(req, reply, refusal);
  };
}

function crossSiteRefusal(req: FastifyRequest): ApiError | null {
  const host = withoutDefaultPort(req.headers.host ?? '');
  const fetchSite = header(req, 'sec-fetch-site')?.toLowerCase();
  const origin = header(req, 'origin');
  const referer = header(req, 'referer');
  let from: string | null;
  if (fetchSite !== undefined) from = SAME_SITE_FETCH.has(fetchSite) ? host : `a ${fetchSite} page`;
  else if (origin !== undefined) from = hostOf(origin);
  else if (referer !== undefined) from = hostOf(referer);
  else from = null;
  if (from === host && host !== '') return null;
  const message =
    from === null
      ? "a request that changes something must come from this server's own pages: it carries no Sec-Fetch-Site, Origin or Referer header"
      : `a request that changes something must come from this server's own pages, not from ${from.startsWith('a ') ? from : `another origin (${from})`}`;
  return new ApiError('CROSS_SITE_REQUEST', message);
}

function mediaTypeRefusal(req: FastifyRequest, requireJson: boolean): ApiError | null {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return null;
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (type === '' && !hasBody && !requireJson) return null;
  return new ApiError('UNSUPPORTED_MEDIA_TYPE', `a request that changes something takes application/json${type ? `, not ${type}` : ''}`, {
    accepted: ['application/json'],
  });
}

/**
 * onRequest hook of the whole server when it has no dashboard login (and so listens on 127.0.0.1 only): the Host
 * header must name this machine's loopback (with the server's port) or an entry of SERVER_ALLOWED_HOSTS. A page on
 * attacker.example whose name an attacker re-points at 127.0.0.1 (DNS rebinding) is same-origin with itself, so the
 * browser would let it read every answer; its requests carry `Host: attacker.example`, and are refused here.
 */
export function loopbackHostOnly(allowed: readonly string[], exempt: (url: string) => boolean = () => false) {
  const extra = new Set(allowed.map((h) => h.toLowerCase()));
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (exempt(req.url)) return;
    const host = (req.headers.host ?? '').toLowerCase();
    if (extra.has(host) || isLoopbackHost(host, req.socket.localPort)) return;
    return sendError(
      req,
      reply,
      new ApiError(
        'HOST_NOT_ALLOWED',
        `this server answers as 127.0.0.1, localhost or [::1] only, not as "${host.slice(0, 255)}"; add the name to SERVER_ALLOWED_HOSTS to serve it behind that name`,
      ),
    );
  };
}

function isLoopbackHost(host: string, localPort: number | undefined): boolean {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  if (!m || !LOOPBACK_NAMES.includes(m[1])) return false;
  // A socket's own port, when there is a socket (inject() has none): the default port of http counts as 80.
  return localPort === undefined || Number(m[2] ?? 80) === localPort;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `host[:port]` of a URL as a Host header would carry it, or the text itself when it is not a URL (`null`). */
function hostOf(url: string): string {
  try {
    return withoutDefaultPort(new URL(url).host);
  } catch {
    return url.slice(0, 100);
  }
}

/** An Origin leaves out its scheme's default port, a Host header may give it: `localhost:80` is `localhost`. */
function withoutDefaultPort(host: string): string {
  return host.toLowerCase().replace(/:(80|443)$/, '');
}
