import { Writable } from 'node:stream';
import { createProducer } from '../../src/producer';
import { sign } from '../../src/shared/gateway/sign';
import { createLogger } from '../../src/shared/logger';
import { startSimulator } from '../../src/simulator';
import { startWorker } from '../../src/worker/worker';
import { deletePrefix, testConfig, uniquePrefix, waitFor } from '../support/env';
import { openApp } from '../support/server';

// Not useCampaignStack: the assertions read what the producer, worker and server logged in their whole life, their
// closing included, so the test opens and closes them itself.
const prefix = uniquePrefix('secrets');
const SERVER_SECRETS = { token: 'api-token-5e8a1c7d9b', password: 'dash-pass-3f6b2a9e1c' };
const WEBHOOK_SECRET = `whsec_${Buffer.from('webhook-secret-bytes-0123456789ab').toString('base64')}`;
afterAll(() => deletePrefix(prefix));

it('never writes the API secret, a Sign, the API token, the dashboard password or the webhook secret to the logs, even at debug level and on errors', async () => {
  const creds = { apiKey: 'key-7f3a', apiSecret: 'secret-9c1e5b', appId: 'app-1' };
  const sim = await startSimulator({ ...creds, faults: { transientRate: 0.3, garbageRate: 0.1, resetRate: 0.1, http500Rate: 0.1 } });
  let logs = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs += chunk;
      done();
    },
  });
  const log = createLogger('debug', 'smsq', sink);
  const config = testConfig(prefix, sim.baseUrl, {
    SMS_API_KEY: creds.apiKey,
    SMS_API_SECRET: creds.apiSecret,
    SMS_APP_ID: creds.appId,
    SMS_BACKOFF_MS: '10',
    SMS_BATCH_SIZE: '50',
    LOG_LEVEL: 'debug',
    API_TOKEN: SERVER_SECRETS.token,
    DASHBOARD_USER: 'ops',
    DASHBOARD_PASSWORD: SERVER_SECRETS.password,
    // Events to a port nothing listens on: their failed attempts are logged at debug level.
    WEBHOOK_URL: 'http://127.0.0.1:9/hooks?token=hook-query-token',
    WEBHOOK_SECRET,
    WEBHOOK_BACKOFF_MS: '10',
  });
  const startedAt = Math.floor(Date.now() / 1000);
  const secretsOfKeys: string[] = [];
  const producer = await createProducer(config, log);
  const worker = await startWorker(config, log);
  const server = await openApp(config, log);
  try {
    // Right and wrong credentials both: a refusal must not echo what it was given.
    const auth = { authorization: `Bearer ${SERVER_SECRETS.token}` };
    expect((await server.app.inject({ method: 'GET', url: '/v1/campaigns/nope', headers: auth })).statusCode).toBe(404);
    expect(
      (await server.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${SERVER_SECRETS.token}x` } }))
        .statusCode,
    ).toBe(401);
    const basic = (p: string) => ({ authorization: `Basic ${Buffer.from(`ops:${p}`).toString('base64')}` });
    expect(
      (await server.app.inject({ method: 'GET', url: '/admin/queues', headers: basic(`${SERVER_SECRETS.password}x`) })).statusCode,
    ).toBe(401);
    expect((await server.app.inject({ method: 'GET', url: '/admin/queues', headers: basic(SERVER_SECRETS.password) })).statusCode).toBe(
      200,
    );
    const recipients = Array.from({ length: 2_000 }, (_, i) => ({ number: String(449_000_000_000 + i) }));
    const { campaignId } = await producer.enqueueCampaign({ content: 'secret test', recipients });
    await waitFor('the campaign to settle', async () => ((await producer.getCampaign(campaignId)).counts.pending === 0 ? true : undefined));
    // The config object itself, logged carelessly, is redacted too.
    log.debug({ config }, 'configuration');
    // An API key: used right, wrong and revoked; then its creation's answer, its record and a tenant's webhook
    // secret, logged carelessly.
    const created = await server.ctx.apiKeys.create({ name: 'shop-backend', scope: 'tenant', tenant: 'shop' });
    const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
    expect((await server.app.inject({ method: 'GET', url: '/v1/campaigns', headers: bearer(created.key) })).statusCode).toBe(200);
    expect(
      (await server.app.inject({ method: 'GET', url: '/v1/campaigns', headers: bearer(`${created.key.slice(0, -1)}x`) })).statusCode,
    ).toBe(401);
    await server.ctx.apiKeys.revoke(created.record.id);
    expect((await server.app.inject({ method: 'GET', url: '/v1/campaigns', headers: bearer(created.key) })).statusCode).toBe(401);
    const tenantSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const settings = await server.ctx.tenants.update(
      'shop',
      { webhook: { url: 'https://shop.example/hooks', secret: tenantSecret } },
      Date.now(),
    );
    const stored = JSON.parse((await server.ctx.redis.hget(server.ctx.keys.apiKeys(), created.record.id)) ?? '{}') as { hash: string };
    log.debug({ created, stored, settings, webhookSecret: tenantSecret }, 'keys and tenants');
    secretsOfKeys.push(created.key.split('_').pop() ?? '', stored.hash, tenantSecret.slice('whsec_'.length));
  } finally {
    await server.close();
    await worker.close();
    await producer.close();
    await sim.close();
  }
  const endedAt = Math.floor(Date.now() / 1000);
  expect(logs).toContain('gateway answered');
  expect(logs).toContain('[redacted]');
  expect(logs).not.toContain(creds.apiSecret);
  expect(logs).not.toContain(SERVER_SECRETS.token);
  expect(logs).not.toContain(SERVER_SECRETS.password);
  expect(logs).toContain('webhook attempt failed');
  expect(logs).not.toContain(WEBHOOK_SECRET.slice('whsec_'.length));
  expect(secretsOfKeys).toHaveLength(3);
  for (const secret of secretsOfKeys) expect(logs).not.toContain(secret);
  expect(logs).not.toContain('hook-query-token');
  for (let ts = startedAt - 1; ts <= endedAt + 1; ts++) expect(logs).not.toContain(sign(creds.apiKey, creds.apiSecret, String(ts)));
});
