import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/logger';
import { enableProcessMetrics, metricsRegistry } from '../shared/metrics';
import { bearerToken, secretMatches } from '../shared/secret-compare';

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A worker's own /metrics (and /healthz, for container healthchecks) on METRICS_PORT, so that every replica can
 * be scraped. Plain node:http: a worker needs no web framework for two read-only routes. It listens on every
 * address, as a scraper in another container must reach it, so /metrics asks for the API token like the
 * server's (Prometheus: `authorization: { credentials: <API_TOKEN> }`); without API_TOKEN it is refused.
 */
export async function startMetricsServer(
  port: number,
  log: Logger,
  apiToken: string | undefined,
  host = '0.0.0.0',
): Promise<MetricsServer> {
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
    const token = bearerToken(req.headers.authorization);
    if (apiToken === undefined || token === null || !secretMatches(token, apiToken)) {
      res
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="smsq"' })
        .end(apiToken === undefined ? 'metrics are disabled: API_TOKEN is not set\n' : 'send "Authorization: Bearer <API_TOKEN>"\n');
      return;
    }
    metricsRegistry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text),
      (err: unknown) => {
        log.error({ err }, 'metrics collection failed');
        res.writeHead(500).end();
      },
    );
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
