import { Readable, Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { secretMatches } from '../../../src/shared/secret-compare';
import { startServer } from '../../../src/server';
import { createLogger } from '../../../src/shared/logger';
import { deletePrefix, uniquePrefix } from '../../support/env';
import { API_TOKEN, BEARER, DASHBOARD, errorCode, openApp, serverConfig, type TestApp } from '../../support/server';

const prefix = uniquePrefix('api-auth');
const gateway = 'http://127.0.0.1:9/sms';
let logs = '';
const sink = new Writable({
  write(chunk, _enc, done) {
    logs += chunk;
    done();
  },
});
let server: TestApp;

beforeAll(async () => {
  server = await openApp(serverConfig(prefix, gateway, { LOG_LEVEL: 'debug' }), createLogger('debug', 'smsq', sink));
});

afterAll(async () => {
  await server.close();
  await deletePrefix(prefix);
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the API', () => {
  it.each([
    ['no token', {}, /Authorization: Bearer/],
    ['a wrong token', { authorization: 'Bearer not-the-token-at-all' }, /wrong API token/],
    ['the token under another scheme', { authorization: `Basic ${API_TOKEN}` }, /Authorization: Bearer/],
  ])('refuses a call with %s: 401 UNAUTHORIZED with a Bearer challenge', async (_what, headers, message) => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/campaigns/x', headers });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(message) });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses an upload before reading its body', async () => {
    // A body that never ends: only a refusal that does not wait for it can answer.
    const endless = new Readable({ read() {} });
    endless.push('447700900001\n');
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/campaigns?content=Hi',
      headers: { 'content-type': 'text/csv' },
      payload: endless,
    });
    expect(res.statusCode).toBe(401);
    endless.destroy();
  });

  it('refuses every call, saying why, when API_TOKEN is not set on the server', async () => {
    const open = await openApp(serverConfig(prefix, gateway, { API_TOKEN: '' }));
    try {
      const res = await open.app.inject({ method: 'POST', url: '/v1/queue/pause', headers: BEARER });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toContain('API_TOKEN is not set');
      expect(await open.ctx.queues.batches.isPaused()).toBe(false);
    } finally {
      await open.close();
    }
  });

  it('compares secrets of any length without throwing', () => {
    expect(secretMatches(API_TOKEN, API_TOKEN)).toBe(true);
    expect(secretMatches('short', API_TOKEN)).toBe(false);
    expect(secretMatches(`${API_TOKEN}x`, API_TOKEN)).toBe(false);
  });
});

describe('the dashboard', () => {
  const dashboard = (authorization?: string) =>
    server.app.inject({ method: 'GET', url: '/admin/queues', headers: authorization ? { authorization } : {} });

  it('asks for basic auth, and refuses a wrong user or password', async () => {
    for (const res of [
      await dashboard(),
      await dashboard(basic(DASHBOARD.user, 'wrong-password')),
      await dashboard(basic('someone', DASHBOARD.password)),
    ]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
      expect(errorCode(res)).toBe('UNAUTHORIZED');
    }
    const api = await server.app.inject({ method: 'GET', url: '/admin/queues/api/queues' });
    expect(api.statusCode).toBe(401);
  });

  it('opens with the right credentials', async () => {
    const res = await dashboard(basic(DASHBOARD.user, DASHBOARD.password));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });

  it('without credentials listens on 127.0.0.1 only, whatever SERVER_HOST says, and says so in its log', async () => {
    let startLogs = '';
    const log = createLogger(
      'info',
      'smsq',
      new Writable({
        write: (c, _e, d) => {
          startLogs += c;
          d();
        },
      }),
    );
    const open = await startServer(
      serverConfig(prefix, gateway, { DASHBOARD_USER: '', DASHBOARD_PASSWORD: '', SERVER_HOST: '0.0.0.0', SERVER_PORT: '0' }),
      log,
    );
    try {
      expect((open.app.server.address() as AddressInfo).address).toBe('127.0.0.1');
      expect(startLogs).toContain('listening on 127.0.0.1 only');
      expect((await fetch(open.dashboardUrl)).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it("in read-only mode refuses the dashboard's write endpoints, retrying failed jobs among them", async () => {
    const readOnly = await openApp(serverConfig(prefix, gateway, { DASHBOARD_READ_ONLY: 'true' }));
    try {
      // As bull-board's own page sends it: the login, from this origin.
      const headers = { authorization: basic(DASHBOARD.user, DASHBOARD.password), 'sec-fetch-site': 'same-origin' };
      const res = await readOnly.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/batches/retry/failed', headers });
      expect(res.statusCode).toBe(405);
      const writable = await server.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/batches/retry/failed', headers });
      expect(writable.statusCode).toBe(200);
      // Pausing sending is smsq pause's, not bull-board's (dashboard-writes.test.ts has the rest).
      const pause = await server.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/batches/pause', headers });
      expect(pause.statusCode).toBe(403);
      expect(await server.ctx.queues.batches.isPaused()).toBe(false);
    } finally {
      await readOnly.close();
    }
  });
});

it('never writes the API token or the dashboard password to its logs', async () => {
  await server.app.inject({ method: 'GET', url: '/v1/campaigns/x', headers: BEARER });
  await server.app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: basic(DASHBOARD.user, DASHBOARD.password) } });
  server.ctx.log.debug({ config: server.ctx.config }, 'configuration');
  expect(logs).toContain('[redacted]');
  expect(logs).not.toContain(API_TOKEN);
  expect(logs).not.toContain(DASHBOARD.password);
});
