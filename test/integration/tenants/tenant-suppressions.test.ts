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
