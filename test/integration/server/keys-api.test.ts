/**
 * /v1/keys: an admin creates, lists, changes and revokes keys; other scopes are refused. Then two `smsq server`
 * processes on one queue prefix: a revocation made through one is seen by the other on its next request, and no
 * log line of either, at debug, nor any Redis value holds a key or its hash.
 */
import type { LightMyRequestResponse } from 'fastify';
import { keyHash } from '../../../src/shared/tenants/api-key';
import { useCampaignStack } from '../../support/campaigns';
import { keysMatching } from '../../support/env';
import { BEARER, errorCode } from '../../support/server';
import { ServerProcess } from '../../support/server-process';

const stack = useCampaignStack('keys-api', { simulator: false, app: 'inject' });

const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload?: object) =>
  stack.server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function createKey(body: object): Promise<{ id: string; key: string } & Record<string, unknown>> {
  const res = await inject('POST', '/v1/keys', BEARER, body);
  expect(res.statusCode).toBe(201);
  return res.json();
}

/** Every value under the file's prefix, whatever its type, as text. */
async function everyValue(): Promise<string> {
  const redis = stack.ctx.redis;
  const parts: string[] = [];
  for (const k of await keysMatching(redis, `${stack.prefix}:*`)) {
    const type = await redis.type(k);
    if (type === 'string') parts.push((await redis.get(k)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(k)));
    else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(k, 0, -1)));
    else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(k)));
    else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(k, 0, -1)));
    else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(k, '-', '+')));
  }
  return parts.join('\n');
}

describe('the /v1/keys routes', () => {
  it('lets an admin create a key that works, shown once, and lists it without the key or its hash', async () => {
    const created = await createKey({ name: 'shop', scope: 'tenant', tenant: 'shop', expires: '12h' });
    expect(created).toMatchObject({ name: 'shop', scope: 'tenant', tenant: 'shop' });
    expect(Date.parse(created.expiresAt as string) - Date.parse(created.createdAt as string)).toBe(12 * 3600_000);
    expect((await inject('GET', '/v1/campaigns', bearer(created.key))).statusCode).toBe(200);

    const list = await inject('GET', '/v1/keys', BEARER);
    expect(list.statusCode).toBe(200);
    const listed = list.json<{ keys: Array<Record<string, unknown>> }>().keys.find((k) => k.id === created.id);
    expect(listed).toMatchObject({ name: 'shop', status: 'active', limits: {}, webhookSecretSet: false });
    expect(list.body).not.toContain(created.key);
    expect(list.body).not.toContain(keyHash(created.key));
    expect(list.body).not.toContain('"hash"');

    const [entry] = await stack.ctx.audit.list({ tenant: 'shop' });
    expect(entry).toMatchObject({
      action: 'key.create',
      keyId: 'api-token',
      keyName: 'API_TOKEN',
      changes: { id: created.id, scope: 'tenant' },
    });
  });

  it('refuses every /v1/keys route to tenant and read keys with 403, changing nothing', async () => {
    const tenant = await createKey({ name: 'tenant-key', scope: 'tenant', tenant: 'shop' });
    const reader = await createKey({ name: 'read-key', scope: 'read' });
    const count = await stack.ctx.redis.hlen(stack.ctx.keys.apiKeys());
    for (const key of [tenant.key, reader.key]) {
      const answers: LightMyRequestResponse[] = [
        await inject('GET', '/v1/keys', bearer(key)),
        await inject('POST', '/v1/keys', bearer(key), { name: 'sneaky', scope: 'admin' }),
        await inject('POST', `/v1/keys/${tenant.id}/revoke`, bearer(key)),
        await inject('PATCH', `/v1/keys/${tenant.id}`, bearer(key), { limits: { maxRate: 1 } }),
      ];
      for (const res of answers) {
        expect(res.statusCode).toBe(403);
        expect(errorCode(res)).toBe('FORBIDDEN');
      }
    }
    expect(await stack.ctx.redis.hlen(stack.ctx.keys.apiKeys())).toBe(count);
    expect((await stack.ctx.apiKeys.get(tenant.id))?.status).toBe('active');
    expect((await stack.ctx.tenants.get('shop')).limits).toEqual({});
  });

  it("changes a tenant's limits and webhook through any of its keys, null removing them, the secret generated once", async () => {
    const key = await createKey({ name: 'alerts', scope: 'tenant', tenant: 'alerts', limits: { lanes: ['high'], spendPerDay: '10' } });
    const patched = await inject('PATCH', `/v1/keys/${key.id}`, BEARER, {
      limits: { maxRate: 20, spendPerDay: null },
      webhook: { url: 'https://alerts.example/hooks?sig=1' },
    });
    expect(patched.statusCode).toBe(200);
    const body = patched.json<{ key: Record<string, unknown>; webhookSecret: string }>();
    expect(body.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(body.key).toMatchObject({
      limits: { lanes: ['high'], maxRate: 20 },
      webhookUrl: 'https://alerts.example/hooks',
      webhookSecretSet: true,
    });
    expect(await stack.ctx.tenants.get('alerts')).toMatchObject({
      limits: { lanes: ['high'], maxRate: 20 },
      webhook: { url: 'https://alerts.example/hooks?sig=1', secret: body.webhookSecret },
    });
    // A new URL keeps the tenant's secret, and none is answered.
    const moved = await inject('PATCH', `/v1/keys/${key.id}`, BEARER, { webhook: { url: 'https://alerts.example/v2' } });
    expect(moved.json()).not.toHaveProperty('webhookSecret');
    expect((await stack.ctx.tenants.get('alerts')).webhook?.secret).toBe(body.webhookSecret);
    // A secret alone replaces the secret, keeping the URL.
    const rotated = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    expect((await inject('PATCH', `/v1/keys/${key.id}`, BEARER, { webhook: { secret: rotated } })).statusCode).toBe(200);
    expect((await stack.ctx.tenants.get('alerts')).webhook).toEqual({ url: 'https://alerts.example/v2', secret: rotated });
    const removed = await inject('PATCH', `/v1/keys/${key.id}`, BEARER, { webhook: null, limits: { lanes: null } });
    expect(removed.json()).toMatchObject({ key: { limits: { maxRate: 20 }, webhookSecretSet: false } });
    expect(await stack.ctx.tenants.get('alerts')).not.toHaveProperty('webhook');

    const trail = await stack.ctx.audit.list({ tenant: 'alerts' });
    expect(trail.map((e) => e.action)).toEqual([
      'tenant.update',
      'tenant.update',
      'tenant.update',
      'tenant.update',
      'key.create',
      // The limits given at creation are written before the key exists.
      'tenant.update',
    ]);
    expect(trail[1].changes).toEqual({ viaKey: key.id, secretChanged: true });
    expect(trail[3].changes).toMatchObject({
      maxRate: { before: null, after: 20 },
      spendPerDay: { before: '10.00', after: null },
      secretChanged: true,
    });
    expect(trail[2].changes).not.toHaveProperty('secretChanged');
    expect(JSON.stringify(trail)).not.toContain(body.webhookSecret);
    expect(JSON.stringify(trail)).not.toContain(rotated);
  });

  it('answers bad requests naming the field, and unknown ids with 404 KEY_NOT_FOUND', async () => {
    const count = await stack.ctx.redis.hlen(stack.ctx.keys.apiKeys());
    const cases: Array<[object, number, string]> = [
      [{ name: 'x', scope: 'admin', colour: 'red' }, 400, 'colour'],
      [{ name: 'x', scope: 'owner' }, 400, 'scope'],
      [{ name: 'x'.repeat(49), scope: 'admin' }, 400, 'name'],
      [{ name: 'x', scope: 'tenant', tenant: 't', limits: { maxRate: 0 } }, 400, 'maxRate'],
      [{ name: 'bad name', scope: 'admin' }, 422, 'name'],
      [{ name: 'x', scope: 'admin', expires: 'soon' }, 422, 'expires'],
      [{ name: 'X.key', scope: 'tenant' }, 422, 'tenant'], // no tenant, and a name that cannot be one
      [{ name: 'x', scope: 'tenant', tenant: 't', webhook: { url: 'file:///etc/passwd' } }, 422, 'webhook url'],
    ];
    for (const [body, status, field] of cases) {
      const res = await inject('POST', '/v1/keys', BEARER, body);
      expect({ body, status: res.statusCode }).toEqual({ body, status });
      expect(res.body).toContain(field);
    }
    expect(await stack.ctx.redis.hlen(stack.ctx.keys.apiKeys())).toBe(count);

    const admin = await createKey({ name: 'ops', scope: 'admin' });
    const noTenant = await inject('PATCH', `/v1/keys/${admin.id}`, BEARER, { limits: { maxRate: 5 } });
    expect(noTenant.statusCode).toBe(422);
    expect(noTenant.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { fields: { tenant: expect.stringContaining('no tenant') } } },
    });
    expect((await inject('PATCH', `/v1/keys/${admin.id}`, BEARER, {})).statusCode).toBe(400);
    expect((await inject('PATCH', `/v1/keys/${admin.id}`, BEARER, { webhook: {} })).statusCode).toBe(400);
    const bare = await createKey({ name: 'bare', scope: 'tenant', tenant: 'bare' });
    const secretOnly = await inject('PATCH', `/v1/keys/${bare.id}`, BEARER, {
      webhook: { secret: `whsec_${Buffer.alloc(32).toString('base64')}` },
    });
    expect(secretOnly.statusCode).toBe(422);
    expect(secretOnly.body).toContain('no webhook');
    expect(await stack.ctx.tenants.get('bare')).not.toHaveProperty('webhook');
    for (const res of [
      await inject('POST', '/v1/keys/nokeyhere000/revoke', BEARER),
      await inject('PATCH', '/v1/keys/nokeyhere000', BEARER, { limits: { maxRate: 5 } }),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(errorCode(res)).toBe('KEY_NOT_FOUND');
    }
  });
});

describe('two server processes on one prefix', () => {
  it('refuses a key revoked through one on the very next request to the other, and neither logs a key or its hash', async () => {
    const env = { ...stack.env, SERVER_PORT: '0', LOG_LEVEL: 'debug' };
    const a = stack.process(new ServerProcess(env));
    const b = stack.process(new ServerProcess(env));
    const [urlA, urlB] = await Promise.all([a.url(), b.url()]);
    const call = (url: string, key: string, path = '/v1/campaigns', init: RequestInit = {}) =>
      fetch(`${url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${key}` } });

    const created = await fetch(`${urlA}/v1/keys`, {
      method: 'POST',
      headers: { ...BEARER, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'backend', scope: 'tenant', tenant: 'backend' }),
    });
    expect(created.status).toBe(201);
    const { id, key } = (await created.json()) as { id: string; key: string };
    const wrong = `smsq_${id}_${'A'.repeat(43)}`;

    expect((await call(urlA, key)).status).toBe(200);
    expect((await call(urlB, key)).status).toBe(200);
    // A failing request with a good key, and bad keys: none of them may put the key in a log line either.
    expect((await call(urlB, key, '/v1/campaigns/no-such-campaign')).status).toBe(404);
    const badBody = await call(urlA, key, '/v1/campaigns', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recipients: 'nope' }),
    });
    expect(badBody.status).toBeGreaterThanOrEqual(400);
    expect((await call(urlA, wrong)).status).toBe(401);
    expect((await call(urlB, `${key}x`)).status).toBe(401);

    const revoked = await fetch(`${urlA}/v1/keys/${id}/revoke`, { method: 'POST', headers: BEARER });
    expect(revoked.status).toBe(200);
    const next = await call(urlB, key);
    expect(next.status).toBe(401);
    expect(((await next.json()) as { error: { message: string } }).error.message).toContain('revoked');
    expect((await call(urlA, key)).status).toBe(401);

    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
    for (const output of [a.output, b.output]) {
      // The check below reads the servers' real log lines, at debug.
      expect(output).toContain('server listening');
      for (const secret of [key, keyHash(key), wrong, keyHash(wrong), key.slice(`smsq_${id}_`.length)])
        expect(output).not.toContain(secret);
    }
    const values = await everyValue();
    expect(values).toContain(keyHash(key));
    expect(values).not.toContain(key.slice(`smsq_${id}_`.length));
  });
});
