import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/logger';
import { enableProcessMetrics, metricsRegistry } from '../shared/metrics';
import { bearerToken } from '../shared/secret-compare';
import { bearerPrincipal, readsEveryTenant } from '../shared/tenants/bearer-auth';
import type { KeyStore } from '../shared/tenants/key-store';

/** Who may scrape: API_TOKEN, and API keys looked up in Redis. */
export interface MetricsAuth {
  apiToken: string | undefined;
  apiKeys: Pick<KeyStore, 'check'>;
}

/**
 * How long a key's check may wait for Redis. /metrics is scraped while Redis is down too, and the worker's
 * connection queues commands until Redis is back: without a deadline each scrape would hang until then.
 */
const KEY_CHECK_DEADLINE_MS = 2_000;

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A worker's own /metrics (and /healthz, for container healthchecks) on METRICS_PORT, so that every replica can
 * be scraped. Plain node:http: a worker needs no web framework for two read-only routes. It listens on every
 * address, as a scraper in another container must reach it, so /metrics takes the server's bearer tokens for it:
 * API_TOKEN, or an API key that reads every tenant (admin, or `read` without a tenant: metrics are not per tenant).
 */
export async function startMetricsServer(port: number, log: Logger, auth: MetricsAuth, host = '0.0.0.0'): Promise<MetricsServer> {
  enableProcessMetrics();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/healthz')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try GET /metrics or GET /healthz\n');
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    scrape(req, res, auth, log).catch((err: unknown) => {
      log.error({ err }, 'metrics collection failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  log.info({ port: bound }, 'metrics listening');
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** /metrics: 401 without a valid token, 403 for a key that reads one tenant only, 503 when Redis cannot check a key. */
async function scrape(req: IncomingMessage, res: ServerResponse, auth: MetricsAuth, log: Logger): Promise<void> {
  let check;
  try {
    check = await withDeadline(bearerPrincipal(bearerToken(req.headers.authorization), auth.apiToken, auth.apiKeys), KEY_CHECK_DEADLINE_MS);
  } catch (err) {
    log.warn({ err }, 'metrics: an API key could not be checked');
    res
      .writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' })
      .end('Redis did not answer the API key check: try again, or scrape with API_TOKEN, which needs no Redis\n');
    return;
  }
  if ('refused' in check) {
    res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="smsq"' }).end(`${check.refused}\n`);
    return;
  }
  const who = check.principal;
  if (!readsEveryTenant(who)) {
    const key = `this key's scope is ${who.scope}${who.tenant ? `, for tenant ${who.tenant}` : ''}`;
    res
      .writeHead(403, { 'content-type': 'text/plain' })
      .end(`/metrics spans every tenant: it needs API_TOKEN, an admin key or a read key without a tenant; ${key}\n`);
    return;
  }
  const text = await metricsRegistry.metrics();
  res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text);
}

/** `work`, or a rejection once `ms` have passed; a late answer or error of `work` is then ignored. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
