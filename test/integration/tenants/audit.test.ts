/**
 * The audit trail over the API: two backends' tenant keys, the admin token and the console's login change campaigns
 * and the suppression list, and GET /v1/audit names who made each change, on which tenant and campaign, and what
 * changed; only an admin key reads it. An entry that cannot be read is skipped; an append Redis refuses leaves the
 * change made and its answer a success.
 */
import { Writable } from 'node:stream';
import type { AuditEntry } from '../../../src/shared/audit/audit-log';
import type { Json } from '../../../src/shared/campaign/json';
import { createLogger } from '../../../src/shared/logger';
import { useCampaignStack } from '../../support/campaigns';
import { API_TOKEN, BEARER, DASHBOARD, errorCode, openApp } from '../../support/server';

const stack = useCampaignStack('audit', { app: 'inject' });

type Tenant = 'shop' | 'billing';
const keys: Record<Tenant, { key: string; id: string }> = { shop: { key: '', id: '' }, billing: { key: '', id: '' } };
const as = (tenant: Tenant) => ({ authorization: `Bearer ${keys[tenant].key}` });
const login = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString('base64')}` };
type Entry = Json<AuditEntry>;

beforeAll(async () => {
  for (const tenant of ['shop', 'billing'] as const) {
    const { key, record } = await stack.ctx.apiKeys.create({ name: `${tenant}-backend`, scope: 'tenant', tenant });
    keys[tenant] = { key, id: record.id };
  }
});

const post = (headers: Record<string, string>, url: string, payload: unknown = {}) =>
  stack.server.app.inject({
    method: 'POST',
    url,
    headers: { ...headers, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });
const audit = async (query = ''): Promise<Entry[]> => {
  const res = await stack.server.app.inject({ method: 'GET', url: `/v1/audit${query}`, headers: BEARER });
  expect(res.statusCode).toBe(200);
  return res.json<{ entries: Entry[] }>().entries;
};
/** A campaign that waits for its sendAt, so that it can be paused, changed and cancelled without a worker. */
const scheduled = (campaignId: string) => ({
  campaignId,
  content: 'Spring sale: 20% off',
  recipients: [{ number: '447700900101' }, { number: '447700900102' }],
  sendAt: new Date(Date.now() + 3_600_000).toISOString(),
  priority: 'low',
});

it("records each backend's changes with its key, its tenant and the campaign's stored id, newest first", async () => {
  expect((await post(as('shop'), '/v1/campaigns', scheduled('spring'))).statusCode).toBe(201);
  expect((await post(as('billing'), '/v1/campaigns', scheduled('spring'))).statusCode).toBe(201);
  expect((await post(as('shop'), '/v1/campaigns/spring/pause', { reason: 'checking the list' })).statusCode).toBe(200);
  expect((await post(as('shop'), '/v1/campaigns/spring/resume')).statusCode).toBe(200);
  expect((await post(as('shop'), '/v1/campaigns/spring/max-cost', { maxCost: 10 })).statusCode).toBe(200);
  expect((await post(as('shop'), '/v1/campaigns/spring/max-cost', { maxCost: 25.5 })).statusCode).toBe(200);
  expect((await post(as('shop'), '/v1/campaigns/spring/cancel')).statusCode).toBe(200);
  const settled = await post(as('shop'), '/v1/campaigns/spring/settle');
  expect(settled.statusCode).toBe(200);
  expect((await post(as('shop'), '/v1/suppressions', { numbers: ['447700900201', '447700900202'], reason: 'complaint' })).json()).toEqual({
    numbers: 2,
    added: 2,
  });
  expect((await post(as('shop'), '/v1/suppressions/remove', { numbers: ['447700900202'] })).json()).toEqual({ numbers: 1, removed: 1 });
  expect((await post(BEARER, '/v1/campaigns/billing~spring/max-cost', { maxCost: 3 })).statusCode).toBe(200);
  expect((await post(BEARER, '/v1/queue/pause')).statusCode).toBe(200);
  expect((await post(BEARER, '/v1/queue/resume')).statusCode).toBe(200);

  const entries = await audit();
  const shop = { keyId: keys.shop.id, keyName: 'shop-backend', tenant: 'shop' };
  const admin = { keyId: 'api-token', keyName: 'API_TOKEN' };
  // Newest first: the order the changes were made in, reversed.
  expect(entries.map((e) => [e.action, e.keyName, e.tenant, e.campaignId])).toEqual([
    ['queue.resume', 'API_TOKEN', undefined, undefined],
    ['queue.pause', 'API_TOKEN', undefined, undefined],
    ['campaign.max-cost', 'API_TOKEN', 'billing', 'billing~spring'],
    ['suppression.remove', 'shop-backend', 'shop', undefined],
    ['suppression.add', 'shop-backend', 'shop', undefined],
    ['campaign.settle', 'shop-backend', 'shop', 'shop~spring'],
    ['campaign.cancel', 'shop-backend', 'shop', 'shop~spring'],
    ['campaign.max-cost', 'shop-backend', 'shop', 'shop~spring'],
    ['campaign.max-cost', 'shop-backend', 'shop', 'shop~spring'],
    ['campaign.resume', 'shop-backend', 'shop', 'shop~spring'],
    ['campaign.pause', 'shop-backend', 'shop', 'shop~spring'],
    ['campaign.enqueue', 'billing-backend', 'billing', 'billing~spring'],
    ['campaign.enqueue', 'shop-backend', 'shop', 'shop~spring'],
  ]);
  const find = (action: string, tenant: string, nth = 0) => entries.filter((e) => e.action === action && e.tenant === tenant)[nth];
  expect(find('campaign.enqueue', 'shop')).toMatchObject({
    ...shop,
    campaignId: 'shop~spring',
    changes: { created: true, total: 2, priority: 'low', contentLength: 'Spring sale: 20% off'.length },
  });
  expect(JSON.stringify(entries)).not.toContain('Spring sale');
  expect(find('campaign.enqueue', 'billing')).toMatchObject({ keyId: keys.billing.id, keyName: 'billing-backend' });
  expect(find('campaign.pause', 'shop')).toMatchObject({ ...shop, changes: { reason: 'checking the list' } });
  // The budget change says what it was and what it became; the newest first.
  expect(find('campaign.max-cost', 'shop', 0).changes).toEqual({ maxCost: { before: '10.00', after: '25.50' } });
  expect(find('campaign.max-cost', 'shop', 1).changes).toEqual({ maxCost: { before: null, after: '10.00' } });
  // An admin acting on a tenant's campaign: an entry of that tenant, naming the admin.
  expect(find('campaign.max-cost', 'billing')).toMatchObject({ ...admin, changes: { maxCost: { before: null, after: '3.00' } } });
  expect(find('campaign.cancel', 'shop').changes).toEqual({ state: 'cancelled' });
  expect(find('campaign.settle', 'shop').changes).toMatchObject({
    resend: false,
    sent: settled.json().sent,
    notSent: settled.json().notSent,
  });
  expect(find('suppression.add', 'shop').changes).toEqual({
    numbers: ['447700900201', '447700900202'],
    count: 2,
    added: 2,
    reason: 'complaint',
  });
  expect(find('suppression.remove', 'shop').changes).toEqual({ numbers: ['447700900202'], count: 1, removed: 1 });
  for (const e of entries) expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
  // What Redis holds: one stream entry per change, the same count.
  expect(await stack.ctx.redis.xlen(stack.ctx.keys.audit())).toBe(entries.length);

  // Filtered by tenant, and by campaign (its stored id, or the tenant's own id beside the tenant).
  const shopOnly = await audit('?tenant=shop');
  expect(shopOnly.length).toBe(9);
  expect(shopOnly.every((e) => e.tenant === 'shop')).toBe(true);
  const billingSpring = await audit('?campaign=billing~spring');
  expect(billingSpring.map((e) => e.action)).toEqual(['campaign.max-cost', 'campaign.enqueue']);
  expect(await audit('?tenant=billing&campaign=spring')).toEqual(billingSpring);
  expect((await audit('?tenant=shop&limit=2')).map((e) => e.action)).toEqual(['suppression.remove', 'suppression.add']);
  expect(await audit(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
  expect((await audit('?since=1h')).length).toBe(entries.length);
});

it("records a reschedule's sendAt before and after, and a suppression import's counts", async () => {
  const before = (await stack.producer.getCampaign('billing~spring')).schedule?.sendAt;
  const later = new Date(Date.now() + 7_200_000).toISOString();
  expect((await post(as('billing'), '/v1/campaigns/spring/reschedule', { sendAt: later })).statusCode).toBe(200);
  const imported = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/suppressions/import?reason=complaint',
    headers: { ...as('billing'), 'content-type': 'text/csv' },
    payload: '447700900301\n447700900302\nnot a number\n',
  });
  expect(imported.json()).toMatchObject({ read: 2, added: 2, invalidCount: 1 });
  const [imports, reschedule] = await audit('?tenant=billing&limit=2');
  expect(reschedule).toMatchObject({
    action: 'campaign.reschedule',
    keyId: keys.billing.id,
    campaignId: 'billing~spring',
    changes: { sendAt: { before: new Date(before ?? 0).toISOString(), after: later } },
  });
  expect(imports).toMatchObject({
    action: 'suppression.import',
    tenant: 'billing',
    changes: { read: 2, added: 2, invalid: 1, reason: 'complaint' },
  });
});

it('records nothing for reads and previews', async () => {
  const before = await stack.ctx.redis.xlen(stack.ctx.keys.audit());
  const get = (url: string) => stack.server.app.inject({ method: 'GET', url, headers: as('shop') });
  expect((await get('/v1/campaigns/spring')).statusCode).toBe(200);
  expect((await get('/v1/campaigns')).statusCode).toBe(200);
  expect((await post(as('shop'), '/v1/campaigns?dryRun=true', scheduled('preview-only'))).statusCode).toBe(200);
  expect(await stack.ctx.redis.xlen(stack.ctx.keys.audit())).toBe(before);
});

it('lets only an admin key read the trail', async () => {
  for (const tenant of ['shop', 'billing'] as const) {
    const res = await stack.server.app.inject({ method: 'GET', url: '/v1/audit', headers: as(tenant) });
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
  }
  const { key } = await stack.ctx.apiKeys.create({ name: 'watcher', scope: 'read' });
  expect((await stack.server.app.inject({ method: 'GET', url: '/v1/audit', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(
    403,
  );
});

it.each([
  ['a limit of 0', 'limit=0', 'limit'],
  ['a limit above 1000', 'limit=1001', 'limit'],
  ['a negative limit', 'limit=-1', undefined],
  ['a since that is no time', 'since=yesterday', 'since'],
  ['a day the month lacks', 'since=2026-02-30', 'since'],
  ['a duration without its unit', 'since=24', 'since'],
  ['a tenant no key could have', 'tenant=Shop!', 'tenant'],
  ['a campaign id longer than a stored one', `campaign=${'x'.repeat(82)}`, undefined],
  ['a campaign id with a space', 'campaign=a%20b', 'campaign'],
  ['an unknown parameter', 'user=shop', undefined],
])('refuses %s with 400, naming the value', async (_what, query, field) => {
  const res = await stack.server.app.inject({ method: 'GET', url: `/v1/audit?${query}`, headers: BEARER });
  expect(res.statusCode).toBe(400);
  expect(errorCode(res)).toBe('BAD_REQUEST');
  if (field) expect(res.json().error.message).toMatch(new RegExp(`^${field}: `));
});

it("records the console's pause as the dashboard login's", async () => {
  expect((await post(BEARER, '/v1/campaigns', scheduled('console-paused'))).statusCode).toBe(201);
  const res = await post({ ...login, 'sec-fetch-site': 'same-origin' }, '/console/api/v1/campaigns/console-paused/pause', {});
  expect(res.statusCode).toBe(200);
  const [entry] = await audit('?campaign=console-paused&limit=1');
  expect(entry).toMatchObject({
    action: 'campaign.pause',
    keyId: 'dashboard',
    keyName: `dashboard:${DASHBOARD.user}`,
    campaignId: 'console-paused',
  });
  expect(entry.tenant).toBeUndefined();
});

it('skips an entry it cannot read, and lists the others', async () => {
  const { redis, keys: k } = stack.ctx;
  const add = (...fields: string[]) => redis.xadd(k.audit(), '*', 'campaignId', 'damaged', ...fields);
  await add('at', String(Date.now()), 'keyId', 'k', 'keyName', 'n', 'action', 'campaign.pause');
  await add('at', 'soon', 'keyId', 'k', 'keyName', 'n', 'action', 'campaign.resume');
  await add('keyName', 'no id', 'action', 'campaign.cancel');
  await add('at', String(Date.now()), 'keyId', 'k', 'keyName', 'n', 'action', 'campaign.settle', 'changes', '{not json');
  expect((await audit('?campaign=damaged')).map((e) => [e.action, e.changes])).toEqual([
    ['campaign.settle', { unreadable: '{not json' }],
    ['campaign.pause', undefined],
  ]);
});

// Last: it turns the trail's key into a string, which every later append would meet.
it('answers a change as made when Redis refuses its entry, and logs that at error without the key', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const own = await openApp(stack.config, createLogger('info', 'smsq', sink));
  try {
    const { ctx } = stack;
    expect((await post(as('shop'), '/v1/campaigns', scheduled('unrecorded'))).statusCode).toBe(201);
    await ctx.redis.del(ctx.keys.audit());
    await ctx.redis.set(ctx.keys.audit(), 'not a stream');
    const res = await own.app.inject({ method: 'POST', url: '/v1/campaigns/unrecorded/cancel', headers: as('shop') });
    expect(res.statusCode).toBe(200);
    expect((await stack.producer.getCampaign('shop~unrecorded')).state).toBe('cancelled');
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'audit entry not written');
    expect(logged).toEqual([
      expect.objectContaining({ level: 50, action: 'campaign.cancel', campaignId: 'shop~unrecorded', keyId: keys.shop.id }),
    ]);
    const all = lines.join('');
    for (const secret of [keys.shop.key, API_TOKEN]) expect(all).not.toContain(secret);
  } finally {
    await own.close();
    await stack.ctx.redis.del(stack.ctx.keys.audit());
  }
});
