/**
 * Opt-outs stay everyone's: a tenant's key adds its own entries and removes only those, never a STOP or another's;
 * every tenant's campaigns skip every listed number, whoever listed it (what reached the gateway's ledger).
 */
import { campaignEnded, resultsOf, useCampaignStack } from '../../support/campaigns';

const stack = useCampaignStack('tenant-suppressions', { app: 'inject', workers: 1 });

const keys: Record<'shop' | 'billing', string> = { shop: '', billing: '' };
const as = (tenant: 'shop' | 'billing') => ({ authorization: `Bearer ${keys[tenant]}` });
const admin = { authorization: `Bearer ${'test-api-token-0123456789'}` };

beforeAll(async () => {
  for (const tenant of ['shop', 'billing'] as const)
    keys[tenant] = (await stack.ctx.apiKeys.create({ name: `${tenant}-backend`, scope: 'tenant', tenant })).key;
});

const post = (headers: Record<string, string>, url: string, payload: unknown) =>
  stack.server.app.inject({ method: 'POST', url, headers, payload: payload as object });
const entry = async (number: string) =>
  (await stack.server.app.inject({ method: 'GET', url: `/v1/suppressions/${number}`, headers: as('billing') })).json();

it("keeps a STOP and another tenant's entry when a tenant removes them, and suppresses every listed number in every tenant's campaigns", async () => {
  const [stop, adminListed, shopOwn, billingOwn, free] = ['447700900001', '447700900002', '447700900003', '447700900004', '447700900005'];
  await stack.producer.suppressions.add([stop], { reason: 'stop-reply', source: 'stop-reply' });
  expect((await post(admin, '/v1/suppressions', { numbers: [adminListed] })).statusCode).toBe(200);

  // shop lists its own number and tries to take over the STOP: the STOP is kept as it was.
  const added = await post(as('shop'), '/v1/suppressions', { numbers: [stop, shopOwn], reason: 'complaint' });
  expect(added.json()).toEqual({ numbers: 2, added: 1 });
  expect(await entry(stop)).toMatchObject({ suppressed: true, reason: 'stop-reply', source: 'stop-reply' });
  expect(await entry(shopOwn)).toMatchObject({ suppressed: true, reason: 'complaint', source: 't:shop' });
  expect((await post(as('billing'), '/v1/suppressions', { numbers: [billingOwn] })).json()).toEqual({ numbers: 1, added: 1 });

  // billing may read shop's entry (the list is shared) but not remove it, nor the STOP, nor the admin's.
  const billingRemoves = await post(as('billing'), '/v1/suppressions/remove', { numbers: [stop, adminListed, shopOwn] });
  expect(billingRemoves.json()).toEqual({ numbers: 3, removed: 0 });
  for (const n of [stop, adminListed, shopOwn, billingOwn]) expect(await entry(n)).toMatchObject({ suppressed: true });

  // Every tenant's campaign skips every listed number, whoever listed it.
  const numbers = [stop, adminListed, shopOwn, billingOwn, free];
  for (const tenant of ['shop', 'billing'] as const) {
    const res = await post(as(tenant), '/v1/campaigns', {
      campaignId: 'opt-outs',
      content: `opt-outs of ${tenant}`,
      recipients: numbers.map((number) => ({ number })),
    });
    expect(res.statusCode).toBe(201);
    await campaignEnded(stack.producer, `${tenant}~opt-outs`);
    const sent = [...stack.sim.ledger.entries()].filter((e) => e.content === `opt-outs of ${tenant}`).map((e) => e.number);
    expect(sent).toEqual([free]);
    const statuses = Object.fromEntries((await resultsOf(stack.producer, `${tenant}~opt-outs`)).map((r) => [r.number, r.status]));
    expect(statuses).toEqual({
      [stop]: 'suppressed',
      [adminListed]: 'suppressed',
      [shopOwn]: 'suppressed',
      [billingOwn]: 'suppressed',
      [free]: 'sent',
    });
  }

  // shop removes its own entry (and asks in vain for the STOP): one removed, the STOP stays.
  expect((await post(as('shop'), '/v1/suppressions/remove', { numbers: [shopOwn, stop] })).json()).toEqual({ numbers: 2, removed: 1 });
  expect(await entry(shopOwn)).toMatchObject({ suppressed: false });
  expect(await entry(stop)).toMatchObject({ suppressed: true, reason: 'stop-reply' });
  // An admin removes anyone's.
  expect((await post(admin, '/v1/suppressions/remove', { numbers: [billingOwn] })).json()).toEqual({ numbers: 1, removed: 1 });
}, 120_000);

it("imports a tenant's list as its own entries, leaving numbers already listed as they were", async () => {
  const listed = '447700900101';
  await stack.producer.suppressions.add([listed], { reason: 'stop-reply', source: 'stop-reply' });
  const res = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/suppressions/import',
    headers: { ...as('shop'), 'content-type': 'text/csv' },
    payload: `number\n${listed}\n447700900102\n`,
  });
  expect(res.json()).toMatchObject({ read: 2, added: 1, invalidCount: 0 });
  expect(await entry(listed)).toMatchObject({ reason: 'stop-reply', source: 'stop-reply' });
  expect(await entry('447700900102')).toMatchObject({ suppressed: true, source: 't:shop' });
});

describe('with SMS_SUPPRESSION_SCOPE=tenant', () => {
  const scoped = useCampaignStack('tenant-suppressions-scoped', {
    app: 'inject',
    workers: 1,
    env: { SMS_SUPPRESSION_SCOPE: 'tenant', SMS_CONTACT_HISTORY: 'true' },
  });
  const scopedKeys: Record<'shop' | 'billing', string> = { shop: '', billing: '' };
  const by = (tenant: 'shop' | 'billing') => ({ authorization: `Bearer ${scopedKeys[tenant]}` });
  const send = (headers: Record<string, string>, url: string, payload: unknown) =>
    scoped.server.app.inject({ method: 'POST', url, headers, payload: payload as object });

  beforeAll(async () => {
    for (const tenant of ['shop', 'billing'] as const)
      scopedKeys[tenant] = (await scoped.ctx.apiKeys.create({ name: `${tenant}-backend`, scope: 'tenant', tenant })).key;
  });

  /** Queues `content` to `numbers` as `tenant`, waits for it to end; the numbers that reached the gateway with it. */
  async function sentBy(
    tenant: 'shop' | 'billing',
    campaignId: string,
    numbers: string[],
  ): Promise<{ sent: string[]; suppressed: number }> {
    const content = `${campaignId} of ${tenant}`;
    const res = await send(by(tenant), '/v1/campaigns', { campaignId, content, recipients: numbers.map((number) => ({ number })) });
    expect(res.statusCode).toBe(201);
    await campaignEnded(scoped.producer, `${tenant}~${campaignId}`);
    const sent = [...scoped.sim.ledger.entries()].filter((e) => e.content === content).map((e) => e.number);
    return { sent: sent.sort(), suppressed: res.json<{ suppressed: number }>().suppressed };
  }

  it("binds a tenant's own entries and the STOPs to its campaigns to its campaigns only, and the shared list to everyone's", async () => {
    const [shopOwn, billingOwn, shared, free, stopper] = ['447700910001', '447700910002', '447700910003', '447700910004', '447700910005'];
    expect((await send(by('shop'), '/v1/suppressions', { numbers: [shopOwn] })).json()).toEqual({ numbers: 1, added: 1 });
    expect((await send(by('billing'), '/v1/suppressions', { numbers: [billingOwn] })).json()).toEqual({ numbers: 1, added: 1 });
    expect((await send(admin, '/v1/suppressions', { numbers: [shared] })).statusCode).toBe(200);

    // Each tenant sees the shared list and its own, not the other's.
    const check = async (tenant: 'shop' | 'billing', n: string) =>
      (await scoped.server.app.inject({ method: 'GET', url: `/v1/suppressions/${n}`, headers: by(tenant) })).json<{ suppressed: boolean }>()
        .suppressed;
    expect([await check('shop', shopOwn), await check('shop', billingOwn), await check('shop', shared)]).toEqual([true, false, true]);
    expect([await check('billing', shopOwn), await check('billing', billingOwn)]).toEqual([false, true]);

    const all = [shopOwn, billingOwn, shared, free];
    const shop = await sentBy('shop', 'first', all);
    expect(shop).toEqual({ sent: [billingOwn, free], suppressed: 2 });
    const billing = await sentBy('billing', 'first', all);
    expect(billing).toEqual({ sent: [shopOwn, free], suppressed: 2 });

    // A STOP to shop's campaign (the last to send to the number) binds shop's campaigns, not billing's.
    await sentBy('billing', 'before-stop', [stopper]);
    await sentBy('shop', 'before-stop', [stopper]);
    const [reply] = await scoped.ctx.replies.record(
      [{ number: stopper, content: 'STOP', sendId: 'smsq', receiveTime: Date.now(), mcc: '', mnc: '', operator: '' }],
      'push',
    );
    expect(reply).toMatchObject({ result: 'stop', campaignId: 'shop~before-stop', listChange: 'added' });
    expect((await sentBy('shop', 'after-stop', [stopper, free])).sent).toEqual([free]);
    expect((await sentBy('billing', 'after-stop', [stopper, free])).sent).toEqual([free, stopper].sort());

    // A tenant takes its own entries off, never a STOP; an admin lists every list.
    expect((await send(by('shop'), '/v1/suppressions/remove', { numbers: [shopOwn, stopper] })).json()).toEqual({ numbers: 2, removed: 1 });
    expect(await check('shop', stopper)).toBe(true);
    const listed = (await scoped.server.app.inject({ method: 'GET', url: '/v1/suppressions', headers: admin })).body
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { number: string; source: string }).number)
      .sort();
    expect(listed).toEqual([billingOwn, shared, stopper].sort());
    const shopListed = (await scoped.server.app.inject({ method: 'GET', url: '/v1/suppressions', headers: by('shop') })).body
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { number: string }).number)
      .sort();
    expect(shopListed).toEqual([shared, stopper].sort());
  }, 120_000);

  it("suppresses a number the tenant lists after its campaign was staged, in that tenant's campaign only", async () => {
    const late = '447700910101';
    await scoped.ctx.queues.batches.pause();
    const queued = [];
    for (const tenant of ['shop', 'billing'] as const) {
      const res = await send(by(tenant), '/v1/campaigns', {
        campaignId: 'staged-first',
        content: `late of ${tenant}`,
        recipients: [{ number: late }],
      });
      queued.push(res.json<{ suppressed: number }>().suppressed);
    }
    expect(queued).toEqual([0, 0]);
    // Listed after staging: BEGIN_CALL finds it through the list's change log, which every list shares.
    expect((await send(by('shop'), '/v1/suppressions', { numbers: [late] })).json()).toEqual({ numbers: 1, added: 1 });
    await scoped.ctx.queues.batches.resume();
    for (const tenant of ['shop', 'billing'] as const) await campaignEnded(scoped.producer, `${tenant}~staged-first`);
    const sentWith = (content: string) => [...scoped.sim.ledger.entries()].filter((e) => e.content === content).map((e) => e.number);
    expect(sentWith('late of shop')).toEqual([]);
    expect(sentWith('late of billing')).toEqual([late]);
    expect((await resultsOf(scoped.producer, 'shop~staged-first')).map((r) => r.status)).toEqual(['suppressed']);
  }, 120_000);
});
