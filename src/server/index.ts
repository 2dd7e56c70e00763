import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../shared/config';
import { createContext } from '../shared/context';
import { ClickEventDrainer } from '../shared/links/click-events';
import { checkRedisForProduction } from '../shared/redis/checks';
import type { Logger } from '../shared/logger';
import { enableProcessMetrics } from '../shared/metrics';
import { buildApp } from './app';
import { DASHBOARD_PATH } from './dashboard';

export interface RunningServer {
  /** Where the server answers, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly dashboardUrl: string;
  readonly app: FastifyInstance;
  /** Stops taking connections, lets requests in flight finish (up to SHUTDOWN_GRACE_MS), closes Redis. */
  close(): Promise<void>;
}

/**
 * Starts `smsq server`: the API, the dashboard and /metrics on one port. Without dashboard credentials it
 * listens on 127.0.0.1 whatever SERVER_HOST says: the dashboard is never open on a public address.
 */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  enableProcessMetrics();
  const ctx = await createContext(config, log, 'client');
  await checkRedisForProduction(ctx.redis, log);
  const app = buildApp(ctx);
  const host = config.server.dashboard ? config.server.host : '127.0.0.1';
  if (!config.server.dashboard) {
    log.warn(
      { host },
      'DASHBOARD_USER and DASHBOARD_PASSWORD are not set: listening on 127.0.0.1 only, dashboard without login; set both to listen on SERVER_HOST',
    );
  }
  if (!config.server.apiToken) log.warn('API_TOKEN is not set: every /v1 call is refused with 401 UNAUTHORIZED');
  try {
    await app.listen({ host, port: config.server.port });
  } catch (err) {
    await app.close();
    await ctx.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${config.server.port} is in use: stop what holds it, or set SERVER_PORT (smsq server --port N)`);
    }
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
  log.info({ host, port, readOnlyDashboard: config.server.dashboardReadOnly }, 'server listening');
  // Only a server that answers tracked links has their clicks to turn into link.clicked events.
  const clickEvents = config.links.baseUrl === undefined ? undefined : new ClickEventDrainer(ctx).start();

  let closing: Promise<void> | null = null;
  return {
    url,
    dashboardUrl: `${url}${DASHBOARD_PATH}`,
    app,
    close() {
      closing ??= (async () => {
        const timer = setTimeout(() => {
          log.warn({ timeoutMs: config.shutdownGraceMs }, 'requests still in flight at shutdown timeout; closing their connections');
          app.server.closeAllConnections();
        }, config.shutdownGraceMs).unref();
        await app.close();
        clearTimeout(timer);
        // After the last request, and before Redis goes: clicks still queued wait in Redis for a server to drain them.
        await clickEvents?.close();
        await ctx.close();
        log.info('server stopped');
      })();
      return closing;
    },
  };
}
