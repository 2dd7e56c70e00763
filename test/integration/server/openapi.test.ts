import { useCampaignStack } from '../../support/campaigns';
import { BEARER } from '../../support/server';

const app = useCampaignStack('openapi', { simulator: false, producer: false, app: 'inject' });

/** "METHOD /path/{param}" for each operation, the OpenAPI way of writing Fastify's `:param`. */
const operation = (method: string, url: string) => `${method.toUpperCase()} ${url.replace(/:(\w+)/g, '{$1}')}`;

it('describes exactly the routes the server registered, no more and no fewer', async () => {
  const res = await app.server.app.inject({ method: 'GET', url: '/openapi.json', headers: BEARER });
  expect(res.statusCode).toBe(200);
  const doc = res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
  expect(doc.openapi).toMatch(/^3\./);
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => operation(m, path)));
  // HEAD routes are Fastify's automatic twins of GET routes; bull-board and its static files hide themselves.
  const registered = app.server.app.smsqRoutes.filter((r) => !r.hidden && r.method !== 'HEAD').map((r) => operation(r.method, r.url));
  expect(new Set(registered).size).toBe(registered.length);
  expect([...documented].sort()).toEqual([...registered].sort());
});

it('registers the dashboard, hidden from the API description', () => {
  expect(app.server.app.smsqRoutes.some((r) => r.hidden && r.url === '/admin/queues')).toBe(true);
});

it('answers every documented operation but the health checks with 401 without a token, as documented', async () => {
  const doc = (await app.server.app.inject({ method: 'GET', url: '/openapi.json', headers: BEARER })).json<{
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  }>();
  const open = new Set(['/healthz', '/readyz']);
  for (const [path, ops] of Object.entries(doc.paths).filter(([p]) => !open.has(p))) {
    for (const [method, op] of Object.entries(ops)) {
      expect(op.responses).toHaveProperty('401');
      const res = await app.server.app.inject({ method: method.toUpperCase() as 'GET', url: path.replace('{id}', 'x') });
      expect(res.statusCode).toBe(401);
    }
  }
});
