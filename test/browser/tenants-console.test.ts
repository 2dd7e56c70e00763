/**
 * The console with several tenants, in a real browser (Debian's Chromium, driven by playwright-core): two tenants'
 * keys (shop, billing) and the admin's campaigns. The admin sees them all with a Tenant column and a tenant filter,
 * and a Tenants page of keys, limits, usage and webhooks; shop's operator, logged in with shop's key, sees only shop's
 * campaigns, finds billing's not found, pauses its own, and finds that pause in the audit trail beside the campaign
 * under its key's name. Screenshots are kept under test-artifacts/ for a person to look at.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server';
import { createContext, type Context } from '../../src/shared/context';
import { createLogger } from '../../src/shared/logger';
import { formatMicros } from '../../src/shared/delivery/money';
import { keyHash } from '../../src/shared/tenants/api-key';
import { readUsage } from '../../src/shared/tenants/tenant-usage';
import { startSimulator, type Simulator } from '../../src/simulator';
import { startWorker, type SmsqWorker } from '../../src/worker/worker';
import { ARTIFACTS, launchBrowser } from '../support/browser';
import { deletePrefix, testRedis, uniquePrefix, waitFor } from '../support/env';
import { API_TOKEN, DASHBOARD, serverConfig } from '../support/server';
import { newSecret, WebhookReceiver } from '../support/webhook-receiver';

const prefix = uniquePrefix('tenants-console');
const log = createLogger('silent');
const redis = testRedis();
const SHOP_SECRET = newSecret();
let sim: Simulator;
let receiver: WebhookReceiver;
let server: RunningServer;
let worker: SmsqWorker;
let ctx: Context;
let browser: Browser;
const keys = { shop: '', billing: '', revoked: '', shopId: '', billingId: '' };
/** Every URL the pages asked for, to hold them to this server. */
const requested: string[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  receiver = new WebhookReceiver(SHOP_SECRET);
  await receiver.up();
  // Batches of 10: shop's spring sale, at 2 recipients a second, is still sending while the tests look at it.
  const config = serverConfig(prefix, sim.baseUrl, { SERVER_PORT: '0', SERVER_HOST: '127.0.0.1', SMS_BATCH_SIZE: '10' });
  server = await startServer(config, log);
  worker = await startWorker(config, log);
  ctx = await createContext(config, log, 'client');
  const shop = await ctx.apiKeys.create({ name: 'shop-backend', scope: 'tenant', tenant: 'shop' });
  const billing = await ctx.apiKeys.create({ name: 'billing-backend', scope: 'tenant', tenant: 'billing' });
  Object.assign(keys, { shop: shop.key, billing: billing.key, shopId: shop.record.id, billingId: billing.record.id });
  const old = await ctx.apiKeys.create({ name: 'shop-old', scope: 'tenant', tenant: 'shop' });
  await ctx.apiKeys.revoke(old.record.id);
  keys.revoked = old.key;
  await ctx.apiKeys.create({ name: 'ops-read', scope: 'read' });
  await ctx.tenants.update(
    'shop',
    { limits: { lanes: ['normal', 'low'], maxRate: 50, recipientsPerDay: 10_000 }, webhook: { url: receiver.url, secret: SHOP_SECRET } },
    Date.now(),
  );
  await enqueue(keys.shop, 'welcome', 'Welcome to the shop', 30);
  await enqueue(keys.billing, 'invoice-reminders', 'Your invoice is due on Friday', 20);
  await enqueue(API_TOKEN, 'ops-notice', 'Maintenance tonight from 22:00', 10);
  for (const id of ['shop~welcome', 'billing~invoice-reminders', 'ops-notice'])
    await waitFor(`${id} to complete`, async () => ((await storedState(id)) === 'completed' ? true : undefined), 60_000);
  await enqueue(keys.shop, 'spring-sale', 'Spring sale: 20% off today only', 400, 2);
  // A change to billing's campaign that the API does not make (max-cost before and after), written as the trail would.
  await ctx.audit.record(
    { keyId: keys.billingId, keyName: 'billing-backend', tenant: 'billing' },
    { action: 'campaign.max-cost', campaignId: 'billing~invoice-reminders', changes: { maxCost: { before: null, after: '5.00' } } },
  );
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await server?.close();
  await ctx?.close();
  await receiver?.down();
  await sim?.close();
  redis.disconnect();
  await deletePrefix(prefix);
});

async function enqueue(token: string, campaignId: string, content: string, count: number, maxRate?: number): Promise<void> {
  const recipients = Array.from({ length: count }, (_, i) => ({ number: String(447_700_900_000 + i) }));
  const res = await fetch(`${server.url}/v1/campaigns`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ campaignId, content, recipients, ...(maxRate ? { maxRate } : {}) }),
  });
  expect(res.status).toBe(201);
}

const storedState = (storedId: string) => redis.hget(`${prefix}:campaign:${storedId}`, 'state');

const ADMIN = { username: DASHBOARD.user, password: DASHBOARD.password };
/** shop's operator: any user name, shop's key as the password. */
const SHOP = () => ({ username: 'shop-ops', password: keys.shop });

async function open(url: string, login: { username: string; password: string }): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, httpCredentials: login });
  const p = await context.newPage();
  p.on('request', (r) => requested.push(r.url()));
  await p.goto(url);
  return p;
}

/** The console's API as the page asks it (same origin), with the page's login. */
async function api(p: Page, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await p.context().request.get(`${server.url}${url}`, { headers: { accept: 'application/json' } });
  return { status: res.status(), body: (await res.json()) as Record<string, unknown> };
}

const listed = (p: Page) =>
  p.locator('tbody#rows tr[data-campaign]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-campaign')));
const visibleNav = (p: Page) => p.locator('nav a:visible').allTextContents();

it("shows an admin every tenant's campaigns with their tenant, and filters them by tenant", async () => {
  const p = await open(`${server.url}/`, ADMIN);
  await p.locator('tr[data-campaign="billing~invoice-reminders"]').waitFor();
  expect(await listed(p)).toEqual(['shop~spring-sale', 'ops-notice', 'billing~invoice-reminders', 'shop~welcome']);
  const tenantOf = (id: string) => p.locator(`tr[data-campaign="${id}"] td.tenant-col`).textContent();
  expect([await tenantOf('shop~spring-sale'), await tenantOf('ops-notice'), await tenantOf('billing~invoice-reminders')]).toEqual([
    'shop',
    '–',
    'billing',
  ]);
  expect(await p.locator('th.tenant-col').isVisible()).toBe(true);
  expect(await p.locator('#tenant option').allTextContents()).toEqual(['all', 'billing', 'shop']);
  expect(await p.locator('#who').textContent()).toBe(`dashboard:${DASHBOARD.user} · admin`);
  expect(await visibleNav(p)).toEqual(['Campaigns', 'Accounts', 'Tenants', 'Queues (bull-board)']);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-tenants-admin-list.png'), fullPage: true });

  await p.locator('#tenant').selectOption('billing');
  await waitFor('only billing listed', async () => ((await listed(p)).join() === 'billing~invoice-reminders' ? true : undefined), 10_000);
  expect(new URL(p.url()).search).toBe('?tenant=billing');
  expect((await api(p, '/console/api/v1/campaigns?tenant=Not%20a%20tenant')).status).toBe(400);
  await p.context().close();

  // The filter is kept in the address: opened again, the page lists shop's alone.
  const again = await open(`${server.url}/?tenant=shop`, ADMIN);
  await again.locator('tr[data-campaign="shop~welcome"]').waitFor();
  expect(await again.locator('#tenant').inputValue()).toBe('shop');
  expect(await listed(again)).toEqual(['shop~spring-sale', 'shop~welcome']);
  await again.screenshot({ path: path.join(ARTIFACTS, 'console-tenants-admin-filtered.png'), fullPage: true });
  await again.context().close();
});

it("shows shop's operator, logged in with shop's key, only shop's campaigns and none of an admin's pages", async () => {
  const p = await open(`${server.url}/`, SHOP());
  await p.locator('tr[data-campaign="welcome"]').waitFor();
  expect(await listed(p)).toEqual(['spring-sale', 'welcome']);
  expect(await p.locator('th.tenant-col').isVisible()).toBe(false);
  expect(await p.locator('#tenant-filter').isVisible()).toBe(false);
  expect(await p.locator('#who').textContent()).toBe('tenant shop · key shop-backend');
  expect(await visibleNav(p)).toEqual(['Campaigns']);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-tenants-shop-list.png'), fullPage: true });

  const me = await api(p, '/console/api/whoami');
  expect(me.body).toEqual({
    keyId: keys.shopId,
    keyName: 'shop-backend',
    scope: 'tenant',
    tenant: 'shop',
    reaches: { write: true, accounts: false, admin: false },
  });
  // Asking for another tenant's list gets its own.
  const asked = await api(p, '/console/api/v1/campaigns?tenant=billing');
  expect((asked.body.campaigns as Array<{ campaignId: string }>).map((c) => c.campaignId)).toEqual(['spring-sale', 'welcome']);
  expect((await api(p, '/console/api/tenants')).status).toBe(403);
  expect((await api(p, '/console/api/v1/accounts')).status).toBe(403);
  expect((await p.context().request.get(`${server.url}/admin/queues`)).status()).toBe(401);
  await p.context().close();
});

it("answers billing's campaign as not found to shop's operator, by billing's id and by the stored one", async () => {
  const p = await open(`${server.url}/console/campaigns/invoice-reminders`, SHOP());
  await p.locator('#not-found:not([hidden])').waitFor();
  expect(await p.locator('#not-found').textContent()).toMatch(/^Campaign not found: “invoice-reminders” was never queued/);
  expect(await p.locator('#campaign-body').isVisible()).toBe(false);
  expect(await p.locator('.actions').isVisible()).toBe(false);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-tenants-not-found.png'), fullPage: true });
  for (const id of ['invoice-reminders', 'billing~invoice-reminders', 'never-queued']) {
    expect((await api(p, `/console/api/campaigns/${id}/overview`)).status).toBe(404);
    const audit = await api(p, `/console/api/campaigns/${id}/audit`);
    expect([audit.status, (audit.body.error as { code: string }).code]).toEqual([404, 'CAMPAIGN_NOT_FOUND']);
  }
  await p.context().close();
  // The admin sees billing's entry there.
  const admin = await open(`${server.url}/console/campaigns/billing~invoice-reminders`, ADMIN);
  const row = admin.locator('#audit tr', { hasText: 'campaign.max-cost' });
  await row.waitFor();
  expect((await row.locator('td').allTextContents()).slice(1)).toEqual(['billing-backend', 'campaign.max-cost', 'maxCost: none → 5.00']);
  expect(await admin.locator('#tenant').textContent()).toBe('tenant billing');
  await admin.context().close();
});

it("pauses shop's own campaign from the page, and the audit trail beside it names shop's key", async () => {
  const p = await open(`${server.url}/console/campaigns/spring-sale`, SHOP());
  await p.locator('[data-action="pause"]:not([disabled])').click();
  await p.locator('#confirm[open]').waitFor();
  await p.locator('#confirm-yes').click();
  await waitFor(
    'the campaign paused in Redis',
    async () => ((await storedState('shop~spring-sale')) === 'paused' ? true : undefined),
    10_000,
  );
  // Redis holds the change under shop's key (written once the pause is made), and the page shows it.
  const recorded = await waitFor('the pause in the audit trail', async () =>
    (await ctx.audit.list({ campaignId: 'shop~spring-sale' })).find((e) => e.action === 'campaign.pause'),
  );
  expect(recorded).toMatchObject({ keyId: keys.shopId, keyName: 'shop-backend', tenant: 'shop' });
  const pause = p.locator('#audit tr', { hasText: 'campaign.pause' });
  await pause.waitFor({ timeout: 40_000 });
  expect((await pause.locator('td').allTextContents()).slice(1, 3)).toEqual(['shop-backend', 'campaign.pause']);
  expect(await p.locator('#tenant').isVisible()).toBe(false);
  await p.locator('#state', { hasText: 'paused' }).waitFor();
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-tenants-shop-paused.png'), fullPage: true });
  await p.context().close();

  // The admin, on the same campaign by its stored id, sees the same entry and whose campaign it is.
  const admin = await open(`${server.url}/console/campaigns/shop~spring-sale`, ADMIN);
  await admin.locator('#audit tr', { hasText: 'campaign.pause' }).waitFor();
  expect(await admin.locator('#tenant').textContent()).toBe('tenant shop');
  await admin.context().close();
});

it("shows an admin each tenant's keys, limits, today's usage and webhook URL, and never a key, a hash or a secret", async () => {
  const p = await open(`${server.url}/console/tenants`, ADMIN);
  const shop = p.locator('section[data-tenant="shop"]');
  await shop.waitFor();
  expect(await p.locator('section[data-tenant]').evaluateAll((s) => s.map((e) => e.getAttribute('data-tenant')))).toEqual([
    'billing',
    'shop',
  ]);
  const names = (section: ReturnType<Page['locator']>) => section.locator('tr[data-key] td:first-child').allTextContents();
  expect(await names(shop)).toEqual(['shop-backend', 'shop-old']);
  expect(await shop.locator('tr[data-key] .badge').allTextContents()).toEqual(['active', 'revoked']);
  const limits = async (section: ReturnType<Page['locator']>) => {
    const [dts, dds] = [await section.locator('dl dt').allTextContents(), await section.locator('dl dd').allTextContents()];
    return Object.fromEntries(dts.map((k, i) => [k, dds[i]]));
  };
  const usage = await readUsage(ctx.redis, ctx.keys, 'shop', ctx.clock.now());
  expect(await limits(shop)).toEqual({
    Lanes: 'normal, low',
    'Max rate': '50 / s per campaign',
    Recipients: `${usage.recipients.toLocaleString('en')} of 10,000 today`,
    Spend: `${formatMicros(usage.spendMicros)} today, no limit`,
    Webhook: receiver.url,
  });
  const billing = await limits(p.locator('section[data-tenant="billing"]'));
  expect(billing).toMatchObject({ Lanes: 'all', 'Max rate': 'no limit', Webhook: expect.stringMatching(/^none: /) });
  expect(await p.locator('#global-rows tr[data-key] td:first-child').allTextContents()).toEqual(['ops-read']);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-tenants-page.png'), fullPage: true });

  const secrets = [keys.shop, keys.billing, keyHash(keys.shop), keyHash(keys.billing), SHOP_SECRET];
  const body = JSON.stringify((await api(p, '/console/api/tenants')).body);
  for (const text of [body, await p.content()]) for (const s of secrets) expect(text).not.toContain(s);
  expect(body).not.toMatch(/"hash"|"secret"/);
  await p.context().close();
});

it("refuses the API token, and a revoked key, as a console login: the console's admin is the dashboard login", async () => {
  for (const password of [API_TOKEN, keys.revoked]) {
    const context = await browser.newContext({ httpCredentials: { username: 'anyone', password } });
    expect((await context.request.get(`${server.url}/console/api/whoami`)).status()).toBe(401);
    await context.close();
  }
});

it('asks nothing of another host', () => {
  expect(requested.length).toBeGreaterThan(0);
  for (const url of requested) expect(url.startsWith(server.url) || url.startsWith('data:')).toBe(true);
});
