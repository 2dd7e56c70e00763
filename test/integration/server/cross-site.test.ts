/**
 * A web page on another site cannot press the console's buttons with an operator's login (cross-site request
 * forgery), nor reach a server without a login under its own name (DNS rebinding). Each attack is made the way a
 * browser would make it, and Redis is read back: the campaign's record is unchanged. The same action from the
 * console's own page goes through, so the refusals are not an accident of the setup.
 */
import http from 'node:http';
import { startServer } from '../../../src/server';
import { createLogger } from '../../../src/shared/logger';
import { useCampaignStack } from '../../support/campaigns';
import { deletePrefix, uniquePrefix } from '../../support/env';
import { BEARER, DASHBOARD, errorCode, openApp, serverConfig } from '../../support/server';

const testApp = useCampaignStack('cross-site', { simulator: false, producer: false, app: 'inject' });
const login = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString('base64')}` };
/** inject()'s requests are sent to Host localhost:80. */
const OWN_ORIGIN = 'http://localhost:80';

async function queue(campaignId: string): Promise<void> {
  const res = await testApp.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: { ...BEARER, 'content-type': 'application/json' },
    payload: JSON.stringify({ campaignId, content: 'Hello', recipients: [{ number: '447700900001' }, { number: '447700900002' }] }),
  });
  expect(res.statusCode).toBe(201);
}

const record = (campaignId: string) => testApp.server.ctx.redis.hgetall(`${testApp.prefix}:campaign:${campaignId}`);

/** How a page on another site can make a logged-in browser POST: each is refused whatever else it carries. */
const ATTACKS: Array<[string, Record<string, string>, string | undefined, number, string]> = [
  [
    'an auto-submitted text/plain form',
    { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
    '{"a":"="}',
    403,
    'CROSS_SITE_REQUEST',
  ],
  [
    'a url-encoded form',
    { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' },
    'a=1',
    403,
    'CROSS_SITE_REQUEST',
  ],
  ['a foreign Origin', { origin: 'https://evil.example', 'content-type': 'application/json' }, '{}', 403, 'CROSS_SITE_REQUEST'],
  ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, '{}', 403, 'CROSS_SITE_REQUEST'],
  [
    'Sec-Fetch-Site: same-site (a sibling subdomain)',
    { 'sec-fetch-site': 'same-site', 'content-type': 'application/json' },
    '{}',
    403,
    'CROSS_SITE_REQUEST',
  ],
  [
    'a foreign Referer and no Origin',
    { referer: 'https://evil.example/page', 'content-type': 'application/json' },
    '{}',
    403,
    'CROSS_SITE_REQUEST',
  ],
  ['Origin null (a sandboxed frame)', { origin: 'null', 'content-type': 'application/json' }, '{}', 403, 'CROSS_SITE_REQUEST'],
  ['no Origin, Referer or Sec-Fetch-Site', { 'content-type': 'application/json' }, '{}', 403, 'CROSS_SITE_REQUEST'],
  [
    'a same-origin text/plain body',
    { origin: OWN_ORIGIN, 'sec-fetch-site': 'same-origin', 'content-type': 'text/plain' },
    '{}',
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'a same-origin POST without a body or type',
    { origin: OWN_ORIGIN, 'sec-fetch-site': 'same-origin' },
    undefined,
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
];

describe.each([
  ['cancel', 'cancel'],
  ['pause', 'pause'],
  ['resume', 'resume'],
  ['settle with resend', 'settle?resend=true'],
  // The old name of settle (deprecated), guarded the same.
  ['reconcile with resend', 'reconcile?resend=true'],
])("the console's %s", (name, action) => {
  const campaignId = `csrf-${name.replace(/ /g, '-')}`;

  beforeAll(async () => {
    await queue(campaignId);
    // Resume needs a paused campaign; settle an ended one (it would ask the gateway, and resend).
    if (action === 'resume')
      await testApp.server.ctx.redis.hset(`${testApp.prefix}:campaign:${campaignId}`, { state: 'paused', pausedBy: 'operator' });
    if (action.startsWith('settle') || action.startsWith('reconcile'))
      await testApp.server.ctx.redis.hset(`${testApp.prefix}:campaign:${campaignId}`, { state: 'completed' });
  });

  it.each(ATTACKS)(`is refused for %s, and changes nothing in Redis`, async (_what, headers, payload, status, code) => {
    const before = await record(campaignId);
    const res = await testApp.server.app.inject({
      method: 'POST',
      url: `/console/api/v1/campaigns/${campaignId}/${action}`,
      headers: { ...login, ...headers },
      payload,
    });
    expect(res.statusCode).toBe(status);
    expect(errorCode(res)).toBe(code);
    expect(await record(campaignId)).toEqual(before);
  });
});

it("takes the same actions from the console's own page: same origin, JSON", async () => {
  await queue('csrf-own-page');
  const own = { ...login, origin: OWN_ORIGIN, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' };
  const paused = await testApp.server.app.inject({
    method: 'POST',
    url: '/console/api/v1/campaigns/csrf-own-page/pause',
    headers: own,
    payload: '{}',
  });
  expect(paused.statusCode).toBe(200);
  expect((await record('csrf-own-page')).state).toBe('paused');
  // A browser that sends no Sec-Fetch-Site still sends its Origin, or at least a Referer of the page.
  const { origin: _o, 'sec-fetch-site': _s, ...older } = own;
  const resumed = await testApp.server.app.inject({
    method: 'POST',
    url: '/console/api/v1/campaigns/csrf-own-page/resume',
    headers: { ...older, referer: `${OWN_ORIGIN}/console/campaigns/csrf-own-page` },
    payload: '{}',
  });
  expect(resumed.statusCode).toBe(200);
  expect((await record('csrf-own-page')).state).not.toBe('paused');
  const cancelled = await testApp.server.app.inject({
    method: 'POST',
    url: '/console/api/v1/campaigns/csrf-own-page/cancel',
    headers: { ...older, origin: OWN_ORIGIN },
    payload: '{}',
  });
  expect(cancelled.statusCode).toBe(200);
  expect((await record('csrf-own-page')).state).toBe('cancelled');
});

it('leaves the API to its bearer token: a script needs no Origin', async () => {
  await queue('csrf-api');
  const res = await testApp.server.app.inject({ method: 'POST', url: '/v1/campaigns/csrf-api/cancel', headers: BEARER });
  expect(res.statusCode).toBe(200);
  expect((await record('csrf-api')).state).toBe('cancelled');
});

describe('without a login (listening on 127.0.0.1)', () => {
  const prefix = uniquePrefix('host-check');
  const noLogin = { DASHBOARD_USER: '', DASHBOARD_PASSWORD: '' };
  afterAll(() => deletePrefix(prefix));

  /** A GET over a real socket with the Host header a browser would send for the name in its address bar. */
  function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      http
        .get(url, { headers: { host } }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
  }

  it('refuses a Host header other than the loopback names on its own port (DNS rebinding)', async () => {
    const server = await startServer(
      serverConfig(prefix, 'http://127.0.0.1:9/sms', { ...noLogin, SERVER_PORT: '0' }),
      createLogger('silent'),
    );
    try {
      const port = new URL(server.url).port;
      for (const host of ['attacker.example', `attacker.example:${port}`, `127.0.0.1.nip.io:${port}`, `localhost:${Number(port) + 1}`]) {
        for (const path of ['/', '/console/api/v1/campaigns', '/admin/queues']) {
          const res = await getWithHost(`${server.url}${path}`, host);
          expect({ host, path, status: res.status }).toEqual({ host, path, status: 403 });
          expect(JSON.parse(res.body).error.code).toBe('HOST_NOT_ALLOWED');
        }
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
        expect({ host, status: (await getWithHost(`${server.url}/`, host)).status }).toEqual({ host, status: 200 });
      }
    } finally {
      await server.close();
    }
  });

  it('answers under the names SERVER_ALLOWED_HOSTS gives, for a deployment behind a name', async () => {
    const app = await openApp(
      serverConfig(prefix, 'http://127.0.0.1:9/sms', {
        ...noLogin,
        SERVER_ALLOWED_HOSTS: 'sms.internal.example, sms.internal.example:8443',
      }),
    );
    try {
      for (const host of ['sms.internal.example', 'sms.internal.example:8443']) {
        expect((await app.app.inject({ method: 'GET', url: '/', headers: { host } })).statusCode).toBe(200);
      }
      expect((await app.app.inject({ method: 'GET', url: '/', headers: { host: 'other.example' } })).statusCode).toBe(403);
    } finally {
      await app.close();
    }
  });

  it('with a login, leaves the Host to the operator (the server may listen on any address)', async () => {
    expect((await testApp.server.app.inject({ method: 'GET', url: '/', headers: { ...login, host: 'sms.example.com' } })).statusCode).toBe(
      200,
    );
  });
});
