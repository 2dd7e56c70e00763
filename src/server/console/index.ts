/**
 * The campaign console: `/` lists the campaigns, `/console/campaigns/:id` shows one (with its audit trail),
 * `/console/accounts` the gateway accounts, `/console/tenants` each tenant's keys, limits and usage, all behind the
 * console's login: the dashboard's (an admin) or a tenant's key, which sees only its tenant (auth.ts, access.ts).
 * Plain HTML, CSS and a script per page served from ./assets with uPlot from node_modules: no build step, and no
 * request leaves for another host (the Content-Security-Policy below forbids it). The pages poll
 * `/console/api/...` — the campaign and account routes of the API mounted again behind the console's login, plus an
 * overview (with a tracked campaign's clicks over time when asked), the campaign's audit trail, the tenants and who is
 * logged in.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerDeps } from '../app';
import { accessGuard } from '../access';
import { consoleAuth } from '../auth';
import { sameOriginOnly } from '../browser-guards';
import { ApiError } from '../errors';
import { accountRoutes } from '../routes/accounts';
import { campaignRoutes } from '../routes/campaigns';
import { campaignParams } from '../schemas';
import { campaignAudit } from './campaign-audit';
import { campaignOverview, overviewQuery, queueStatus } from './overview';
import { consoleTenants } from './tenants';
import { whoami } from './whoami';
import type { Principal } from '../../shared/tenants/api-key';
import { ownedId } from '../../shared/tenants/campaign-owner';

export const CONSOLE_PREFIX = '/console';

/** The console's routes stay out of the API's description (/openapi.json). */
export const isConsoleRoute = (url: string): boolean => url === '/' || url.startsWith(`${CONSOLE_PREFIX}/`);

/** Everything from this server; inline styles and scripts refused (the pages have none). */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The files served, read once at start: a page is a few kB. */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const here = (name: string) => path.join(__dirname, 'assets', name);
  const uplot = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const files: Array<[string, string, string]> = [
    ['list.html', here('list.html'), 'text/html; charset=utf-8'],
    ['campaign.html', here('campaign.html'), 'text/html; charset=utf-8'],
    ['accounts.html', here('accounts.html'), 'text/html; charset=utf-8'],
    ['tenants.html', here('tenants.html'), 'text/html; charset=utf-8'],
    ['console.css', here('console.css'), 'text/css; charset=utf-8'],
    ['console.js', here('console.js'), 'text/javascript; charset=utf-8'],
    ['accounts.js', here('accounts.js'), 'text/javascript; charset=utf-8'],
    ['audit.js', here('audit.js'), 'text/javascript; charset=utf-8'],
    ['clicks.js', here('clicks.js'), 'text/javascript; charset=utf-8'],
    ['canary.js', here('canary.js'), 'text/javascript; charset=utf-8'],
    ['tenants.js', here('tenants.js'), 'text/javascript; charset=utf-8'],
    ['uPlot.min.js', path.join(uplot, 'uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
    ['uPlot.min.css', path.join(uplot, 'uPlot.min.css'), 'text/css; charset=utf-8'],
  ];
  return new Map(files.map(([name, file, type]) => [name, { type, body: readFileSync(file) }]));
}

/** Who is logged in; consoleAuth has set it on every request that reaches a route. */
function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError('UNAUTHORIZED', 'no login');
  return req.principal;
}

export async function campaignConsole(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  const { config, ctx } = deps;
  const { dashboard: credentials, dashboardReadOnly } = config.server;
  const assets = loadAssets();
  app.addHook('onRequest', consoleAuth(credentials, ctx.apiKeys));
  app.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', CONSOLE_CSP);
  });

  const send = (name: string) => (_req: FastifyRequest, reply: FastifyReply) => {
    const a = assets.get(name);
    if (!a) throw new ApiError('NOT_FOUND', `no console file ${name}`);
    // Pages are always fresh; assets may be cached for a short while (they change only with a new version).
    return reply
      .type(a.type)
      .header('cache-control', name.endsWith('.html') ? 'no-store' : 'max-age=300')
      .send(a.body);
  };
  app.get('/', send('list.html'));
  app.get(`${CONSOLE_PREFIX}/campaigns/:id`, send('campaign.html'));
  app.get(`${CONSOLE_PREFIX}/accounts`, send('accounts.html'));
  app.get(`${CONSOLE_PREFIX}/tenants`, send('tenants.html'));
  app.get<{ Params: { file: string } }>(`${CONSOLE_PREFIX}/assets/:file`, (req, reply) => send(req.params.file)(req, reply));

  await app.register(
    async (api) => {
      // The login is the browser's: a page on another site must not press the buttons with it.
      api.addHook('onRequest', sameOriginOnly({ requireJson: true }));
      // A tenant's login reaches what its key reaches through the API, no more.
      api.addHook('onRequest', accessGuard(`${CONSOLE_PREFIX}/api`));
      // A read-only dashboard is read-only here too: the console's buttons are refused, not just hidden.
      api.addHook('onRequest', async (req) => {
        if (dashboardReadOnly && req.method !== 'GET' && req.method !== 'HEAD') {
          throw new ApiError('FORBIDDEN', 'the console is read-only on this server (DASHBOARD_READ_ONLY=true)');
        }
      });
      api.get('/status', async () => ({ ...(await queueStatus(ctx)), readOnly: dashboardReadOnly }));
      api.get<{ Params: { id: string }; Querystring: { clicks?: 'true' | 'false' } }>(
        '/campaigns/:id/overview',
        { schema: { params: campaignParams, querystring: overviewQuery } },
        (req) =>
          campaignOverview(ctx, deps.producerFor(req), req.params.id, ownedId(req.principal?.tenant, req.params.id), {
            clicks: req.query.clicks === 'true',
          }),
      );
      api.get('/whoami', (req) => whoami(ctx, principalOf(req)));
      api.get<{ Params: { id: string } }>('/campaigns/:id/audit', { schema: { params: campaignParams } }, (req) =>
        campaignAudit(ctx, deps.producerFor(req), principalOf(req), req.params.id),
      );
      api.get('/tenants', () => consoleTenants(ctx));
      // The API's own campaign routes (list, status, cancel, settle, and pause/resume where the server has them)
      // and account routes (list, resume) under /console/api/v1/...: one implementation, reached with the
      // dashboard's login instead of the API token.
      await api.register(campaignRoutes, deps);
      await api.register(accountRoutes, deps);
    },
    { prefix: `${CONSOLE_PREFIX}/api` },
  );
}
