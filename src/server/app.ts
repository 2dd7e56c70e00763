/**
 * The HTTP server as a Fastify instance built from its dependencies, so that tests can inject requests without
 * a socket. Fastify, because: inject() for tests, JSON-schema validation of requests, a per-route body limit,
 * content-type parsers that hand over the raw stream, and bull-board's own Fastify adapter.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Producer } from '../producer';
import { producerFromContext } from '../producer';
import type { Config } from '../shared/config';
import type { Context } from '../shared/context';
import type { Logger } from '../shared/logger';
import { accessGuard } from './access';
import { bearerAuth } from './auth';
import { requestProducers } from './request-producer';
import { loopbackHostOnly } from './browser-guards';
import { campaignConsole, isConsoleRoute } from './console';
import { dashboard, DASHBOARD_PATH } from './dashboard';
import { ApiError, errorHandler } from './errors';
import { openApiDocument } from './openapi';
import { accountRoutes } from './routes/accounts';
import { auditRoutes } from './routes/audit';
import { campaignRoutes } from './routes/campaigns';
import { deliveryReportRoutes } from './routes/delivery-reports';
import { enqueueRoutes } from './routes/enqueue';
import { healthRoutes } from './routes/health';
import { keyRoutes } from './routes/keys';
import { isLinkPath, linkRoutes } from './routes/links';
import { metricsRoutes } from './routes/metrics';
import { queueRoutes } from './routes/queue';
import { suppressionRoutes } from './routes/suppressions';
import { replyPushRoutes } from './routes/reply-push';
import { replyRoutes } from './routes/replies';
import { webhookRoutes } from './routes/webhooks';

export interface ServerDeps {
  config: Config;
  log: Logger;
  /** The server's Redis connection and queues: the dashboard, readiness and /metrics read them. */
  ctx: Context;
  /** The campaign API over the same context, as an admin sees it. */
  producer: Producer;
  /** The campaign API as the request's caller may use it (a tenant key: its own campaigns only). */
  producerFor: (req: FastifyRequest) => Producer;
}

export interface RouteEntry {
  method: string;
  url: string;
  /** bull-board's and its static files' routes hide themselves from the API description. */
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered, for the test that holds /openapi.json to them. */
    smsqRoutes: RouteEntry[];
  }
}

export function buildApp(ctx: Context): FastifyInstance {
  const producer = producerFromContext(ctx);
  const deps: ServerDeps = { config: ctx.config, log: ctx.log, ctx, producer, producerFor: requestProducers(producer, ctx) };
  // Typed as Fastify's base logger, so that the instance keeps Fastify's default logger type (inferred from it).
  const logger: FastifyBaseLogger = ctx.log.child({ component: 'server' });
  const app = Fastify({
    loggerInstance: logger,
    // Every request logged would mostly be the dashboard's polling; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // Refuse unknown fields instead of silently dropping them, and never turn a number into a string.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    // Behind a reverse proxy, its X-Forwarded-For names the client (LINK_MISS_LIMIT counts by it).
    trustProxy: trustProxyOf(ctx.config.server.trustProxy),
  });
  const routes: RouteEntry[] = [];
  app.decorate('smsqRoutes', routes);
  app.addHook('onRoute', (r) => {
    // The console's routes are hidden too: its pages, and the API's campaign routes mounted again under its login.
    const hidden = Boolean((r.schema as { hide?: boolean } | undefined)?.hide) || isConsoleRoute(r.url);
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, hidden });
  });
  // Answers given while the server closes end their connection, so that close() does not wait out keep-alive.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
    // On every answer, bull-board's and errors included: no guessing a type from the bytes (a JSON answer quoting a
    // campaign's content must never run as a page), and no address of a console page sent to another site.
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
  });
  // Without a login the server listens on 127.0.0.1: only a page served under a loopback name may reach it.
  // A tracked link is public whatever the login: it comes to the server through the address in LINK_BASE_URL.
  const linkPath = (url: string) => isLinkPath(ctx.config.links.basePath, url.split('?')[0]);
  if (!ctx.config.server.dashboard) app.addHook('onRequest', loopbackHostOnly(ctx.config.server.allowedHosts, linkPath));
  app.setErrorHandler(errorHandler(ctx.log, () => ctx.redis.status === 'ready'));
  app.setNotFoundHandler((req) => {
    throw new ApiError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}; the API is described at /openapi.json`);
  });

  app.register(healthRoutes, deps);
  app.register(linkRoutes, deps);
  // The gateway cannot send a bearer token: this route carries its own secret in the path.
  app.register(deliveryReportRoutes, deps);
  app.register(replyPushRoutes, deps);
  // Every route but the health checks needs the API token or a key: metrics and the API's description included;
  // then the key's scope must reach the route (access.ts).
  app.register(async (api) => {
    api.addHook('onRequest', bearerAuth(ctx.config.server.apiToken, ctx.apiKeys));
    api.addHook('onRequest', accessGuard());
    await api.register(metricsRoutes, deps);
    api.get('/openapi.json', async () => openApiDocument);
    await api.register(enqueueRoutes, deps);
    await api.register(campaignRoutes, deps);
    await api.register(queueRoutes, deps);
    await api.register(accountRoutes, deps);
    await api.register(suppressionRoutes, deps);
    await api.register(replyRoutes, deps);
    await api.register(webhookRoutes, deps);
    await api.register(keyRoutes, deps);
    await api.register(auditRoutes, deps);
  });
  app.register(dashboard, { ...deps, prefix: DASHBOARD_PATH });
  app.register(campaignConsole, deps);
  return app;
}

/** TRUST_PROXY as Fastify takes it: a hop count as the function proxy-addr calls for each hop (0 the nearest). */
function trustProxyOf(setting: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}
