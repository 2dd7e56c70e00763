import { Webhook } from 'standardwebhooks';
import type { TenantWebhook } from '../../../src/shared/tenants/tenant-settings';
import { useCampaignStack } from '../../support/campaigns';
import { waitFor } from '../../support/env';
import { newSecret, WebhookReceiver, type ReceivedEvent } from '../../support/webhook-receiver';

/** The operator's receiver (WEBHOOK_URL), and two backends', each with its own secret. */
const adminSecret = newSecret();
const shopSecret = newSecret();
const billingSecret = newSecret();
const admin = new WebhookReceiver(adminSecret);
const shop = new WebhookReceiver(shopSecret);
const billing = new WebhookReceiver(billingSecret);
/** Where one of shop's campaigns asks its events to go (signed with shop's secret). */
const shopCallback = new WebhookReceiver(shopSecret, '/callback');
/** Where a tenant moves its webhook to, keeping its secret. */
const moved = new WebhookReceiver(shopSecret, '/moved');
const receivers = [admin, shop, billing, shopCallback, moved];
beforeAll(() => Promise.all(receivers.map((r) => r.up())));
const stack = useCampaignStack('tenant-webhooks', {
  app: 'inject',
  env: () => ({ WEBHOOK_URL: admin.url, WEBHOOK_SECRET: adminSecret, SMS_BATCH_SIZE: '100', WEBHOOK_BACKOFF_MS: '50' }),
});
afterAll(() => Promise.all(receivers.map((r) => r.down())));

let nextNumber = 447_810_000_000;
function recipients(n: number) {
  return Array.from({ length: n }, () => {
    const number = String(nextNumber++);
    return { number, orderId: `o-${number}` };
  });
}

async function setWebhook(tenant: string, webhook: TenantWebhook | null): Promise<void> {
  await stack.ctx.tenants.update(tenant, { webhook }, Date.now());
}

/** A tenant's key, as its backend would hold it. */
async function keyOf(tenant: string): Promise<string> {
  return (await stack.ctx.apiKeys.create({ name: `${tenant}-backend`, scope: 'tenant', tenant })).key;
}

/** Queues a campaign through the HTTP API with this key; the answer's status and body. */
async function enqueueAs(key: string, body: Record<string, unknown>) {
  const res = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: { authorization: `Bearer ${key}` },
    payload: body,
  });
  return { status: res.statusCode, body: res.json<Record<string, unknown> & { error?: { code: string; message: string } }>() };
}

/** Every event created so far has been delivered or has failed: nothing waits, runs or is delayed. */
async function webhooksDrained(): Promise<void> {
  await waitFor('the webhooks queue to drain', async () => {
    const counts = await stack.ctx.queues.webhooks.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).every((n) => n === 0) ? true : undefined;
  });
}

/** The numbers an event list's recipients.settled cover, sorted. */
function settledNumbers(events: ReceivedEvent[]): string[] {
  return events
    .filter((e) => e.type === 'recipients.settled')
    .flatMap((e) => (e.data.recipients as Array<{ number: string }>).map((r) => r.number))
    .sort();
}

function typesOf(events: ReceivedEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}

/** Whether a delivered call verifies with this secret (the reference library, timestamp checked). */
function verifiesWith(secret: string, r: WebhookReceiver): boolean[] {
  return r.delivered().map((c) => {
    try {
      new Webhook(secret).verify(c.body, { 'webhook-id': c.id, 'webhook-timestamp': c.timestamp, 'webhook-signature': c.signature });
      return true;
    } catch {
      return false;
    }
  });
}

it("sends each tenant's events only to its own receiver, signed with its own secret, under the campaignId it gave", async () => {
  await setWebhook('shop', { url: shop.url, secret: shopSecret });
  await setWebhook('billing', { url: billing.url, secret: billingSecret });
  const [shopKey, billingKey] = await Promise.all([keyOf('shop'), keyOf('billing')]);
  const lists = { shop: recipients(250), billing: recipients(250), admin: recipients(150) };
  // The same campaignId three times: two tenants' campaigns and the operator's own, three campaigns.
  expect((await enqueueAs(shopKey, { campaignId: 'spring-sale', content: 'Shop sale', recipients: lists.shop })).status).toBe(201);
  expect((await enqueueAs(billingKey, { campaignId: 'spring-sale', content: 'Invoice due', recipients: lists.billing })).status).toBe(201);
  await stack.producer.enqueueCampaign({ campaignId: 'spring-sale', content: 'Operator notice', recipients: lists.admin });
  await stack.worker();
  const complete = { 'campaign.started': 1, 'recipients.settled': 3, 'campaign.completed': 1 };
  await waitFor('every campaign.completed', async () =>
    [shop, billing, admin].every((r) => r.events().some((e) => e.type === 'campaign.completed')) ? true : undefined,
  );
  await webhooksDrained();

  expect(typesOf(shop.events())).toEqual(complete);
  expect(typesOf(billing.events())).toEqual(complete);
  expect(typesOf(admin.events())).toEqual({ ...complete, 'recipients.settled': 2 });
  expect(settledNumbers(shop.events())).toEqual(lists.shop.map((r) => r.number).sort());
  expect(settledNumbers(billing.events())).toEqual(lists.billing.map((r) => r.number).sort());
  expect(settledNumbers(admin.events())).toEqual(lists.admin.map((r) => r.number).sort());
  // Each backend sees the id it gave, never the stored `<tenant>~spring-sale`.
  for (const r of [shop, billing, admin]) expect(new Set(r.events().map((e) => e.data.campaignId))).toEqual(new Set(['spring-sale']));
  const completed = (r: WebhookReceiver) => r.events().find((e) => e.type === 'campaign.completed')?.data.counts;
  expect(completed(shop)).toMatchObject({ sent: 250 });
  expect(completed(billing)).toMatchObject({ sent: 250 });
  // Signed with the owner's secret only: each receiver's calls verify with its own secret and with neither other.
  for (const [r, own, others] of [
    [shop, shopSecret, [billingSecret, adminSecret]],
    [billing, billingSecret, [shopSecret, adminSecret]],
    [admin, adminSecret, [shopSecret, billingSecret]],
  ] as const) {
    expect(r.calls.every((c) => c.verified)).toBe(true);
    expect(verifiesWith(own, r).every(Boolean)).toBe(true);
    for (const other of others) expect(verifiesWith(other, r).some(Boolean)).toBe(false);
  }
  // The three campaigns' events are distinct events (webhook-ids), and none failed.
  const ids = [shop, billing, admin].flatMap((r) => r.events().map((e) => e.id));
  expect(new Set(ids).size).toBe(ids.length);
  expect(await stack.ctx.queues.webhooks.getJobCounts('failed')).toEqual({ failed: 0 });
});

it("sends a tenant campaign's events to its callbackUrl, signed with the tenant's secret, and nowhere else", async () => {
  await setWebhook('shop', { url: shop.url, secret: shopSecret });
  const key = await keyOf('shop');
  const before = { shop: shop.calls.length, admin: admin.calls.length };
  const list = recipients(120);
  const queued = await enqueueAs(key, {
    campaignId: 'callback-sale',
    content: 'To the callback',
    recipients: list,
    callbackUrl: shopCallback.url,
  });
  expect(queued.status).toBe(201);
  expect(queued.body.campaignId).toBe('callback-sale');
  await stack.worker();
  await waitFor('the callback campaign.completed', async () =>
    shopCallback.events().some((e) => e.type === 'campaign.completed') ? true : undefined,
  );
  await webhooksDrained();
  expect(typesOf(shopCallback.events())).toEqual({ 'campaign.started': 1, 'recipients.settled': 2, 'campaign.completed': 1 });
  expect(settledNumbers(shopCallback.events())).toEqual(list.map((r) => r.number).sort());
  expect(shopCallback.calls.every((c) => c.verified)).toBe(true);
  expect(new Set(shopCallback.events().map((e) => e.data.campaignId))).toEqual(new Set(['callback-sale']));
  expect({ shop: shop.calls.length, admin: admin.calls.length }).toEqual(before);
});

it('refuses a callbackUrl of a tenant without a webhook, queueing nothing, and creates no event for its campaigns', async () => {
  await setWebhook('desk', null);
  const key = await keyOf('desk');
  const refused = await enqueueAs(key, { campaignId: 'tickets', content: 'x', recipients: recipients(3), callbackUrl: shopCallback.url });
  expect(refused.status).toBe(422);
  expect(refused.body.error?.code).toBe('VALIDATION_FAILED');
  expect(refused.body.error?.message).toContain('callbackUrl: needs a webhook set for tenant desk');
  expect(await stack.ctx.campaigns.read('desk~tickets')).toBeNull();

  // Without a callbackUrl it is queued and sent, and its events go nowhere: not to WEBHOOK_URL, the operator's.
  const adminCalls = admin.calls.length;
  expect((await enqueueAs(key, { campaignId: 'tickets', content: 'x', recipients: recipients(150) })).status).toBe(201);
  await stack.worker();
  await waitFor('the campaign to complete', async () =>
    (await stack.ctx.campaigns.read('desk~tickets'))?.state === 'completed' ? true : undefined,
  );
  await webhooksDrained();
  expect(await stack.ctx.redis.hget(stack.ctx.keys.campaign('desk~tickets'), 'webhookSeq')).toBeNull();
  expect(await stack.ctx.redis.hget(stack.ctx.keys.batch('desk~tickets', 0), 'wh')).toBeNull();
  const jobs = await stack.ctx.queues.webhooks.getJobs(['waiting', 'delayed', 'active', 'failed', 'completed']);
  expect(jobs.filter((j) => j?.data.campaignId === 'desk~tickets')).toEqual([]);
  expect(admin.calls.length).toBe(adminCalls);
});

it("never sends a tenant's queued events elsewhere when its webhook's secret changes, it is removed, or it moves", async () => {
  const tenants = ['rotate', 'gone', 'move'] as const;
  for (const t of tenants) await setWebhook(t, { url: shop.url, secret: shopSecret });
  // Queued while no worker runs: each campaign's record, and one event of each waiting on the queue. The campaigns
  // send in an hour, so that the worker below delivers these events and creates no other.
  const sendAt = new Date(Date.now() + 3_600_000).toISOString();
  for (const t of tenants) {
    const key = await keyOf(t);
    expect((await enqueueAs(key, { campaignId: 'later', content: 'x', recipients: recipients(2), sendAt })).status).toBe(201);
    await stack.ctx.webhooks.emit(`${t}~later`, 'campaign.paused', { by: 'operator', reason: 'queued before the change' });
  }
  const jobs = (await stack.ctx.queues.webhooks.getJobs(['waiting'])).filter((j) => j && j.data.campaignId.endsWith('~later'));
  expect(jobs.map((j) => j.data.campaignId).sort()).toEqual(['gone~later', 'move~later', 'rotate~later']);
  const calls = receivers.map((r) => r.calls.length);
  await setWebhook('rotate', { url: shop.url, secret: newSecret() });
  await setWebhook('gone', null);
  await setWebhook('move', { url: moved.url, secret: shopSecret });
  await stack.worker();
  const failed = await waitFor('the three events to fail', async () => {
    const list = (await stack.producer.failedWebhooks()).filter((f) => f.campaignId.endsWith('~later'));
    return list.length === 3 ? new Map(list.map((f) => [f.campaignId, f.reason])) : undefined;
  });
  expect(failed.get('rotate~later')).toContain("not sealed by smsq with tenant rotate's webhook secret");
  expect(failed.get('gone~later')).toContain('tenant gone has no webhook now');
  expect(failed.get('move~later')).toContain("tenant move's webhook URL changed");
  // Nothing was sent to anyone: not the old address, not the new one, not the operator's.
  expect(receivers.map((r) => r.calls.length)).toEqual(calls);
});

it("lists and re-sends a tenant's failed events to its own key only, under its own ids", async () => {
  const outletSecret = newSecret();
  const outlet = new WebhookReceiver(outletSecret, '/outlet');
  await outlet.up();
  try {
    // 410 Gone: an event fails for good at its first attempt.
    outlet.decide = () => 410;
    await setWebhook('outlet', { url: outlet.url, secret: outletSecret });
    const [outletKey, otherKey] = await Promise.all([keyOf('outlet'), keyOf('other')]);
    expect(
      (await enqueueAs(outletKey, { campaignId: 'gone', content: 'to a receiver that left', recipients: recipients(50) })).status,
    ).toBe(201);
    await stack.worker();
    await waitFor('outlet campaign to complete', async () =>
      (await stack.ctx.campaigns.read('outlet~gone'))?.state === 'completed' ? true : undefined,
    );
    await webhooksDrained();
    const call = async (key: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      stack.server.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
    const failedOf = async (key: string) =>
      (await call(key, 'GET', '/v1/webhooks/failed?limit=1000')).json<{ failed: Array<{ id: string; campaignId: string }> }>().failed;

    const own = await failedOf(outletKey);
    expect(own.length).toBeGreaterThanOrEqual(2);
    expect(new Set(own.map((f) => f.campaignId))).toEqual(new Set(['gone']));
    // Another tenant sees none of them, and cannot re-send one by its id: not found, and it stays failed.
    expect((await failedOf(otherKey)).filter((f) => own.some((o) => o.id === f.id))).toEqual([]);
    const foreign = await call(otherKey, 'POST', '/v1/webhooks/retry', { ids: [own[0].id] });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json<{ error: { code: string } }>().error.code).toBe('WEBHOOK_NOT_FOUND');
    expect(await (await stack.ctx.queues.webhooks.getJob(own[0].id))?.isFailed()).toBe(true);
    const foreignAll = await call(otherKey, 'POST', '/v1/webhooks/retry', { all: true });
    expect(foreignAll.json<{ retried: string[] }>().retried.filter((id) => own.some((o) => o.id === id))).toEqual([]);
    // The admin sees them under the stored id; the tenant re-sends its own, and this time they are taken.
    const asAdmin = (await stack.producer.failedWebhooks(1000)).filter((f) => own.some((o) => o.id === f.id));
    expect(new Set(asAdmin.map((f) => f.campaignId))).toEqual(new Set(['outlet~gone']));
    outlet.decide = () => 200;
    const retried = (await call(outletKey, 'POST', '/v1/webhooks/retry', { all: true })).json<{ retried: string[] }>().retried;
    expect(retried.sort()).toEqual(own.map((o) => o.id).sort());
    await webhooksDrained();
    expect(new Set(outlet.delivered().map((c) => c.id))).toEqual(new Set(own.map((o) => o.id)));
  } finally {
    await outlet.down();
  }
});
