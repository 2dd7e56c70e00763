import { metrics } from '../../src/shared/metrics';
import type { RecipientResult } from '../../src/shared/types';
import { campaignEnded, resultsOf, useCampaignStack, type CampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { BEARER } from '../support/server';

let nextNumber = 447_700_928_000;
const numbers = (n: number) => Array.from({ length: n }, () => String(nextNumber++));

/** A first campaign's numbers, by what the gateway makes of them. */
function cast() {
  const [refused, unknown, generic, fine] = [numbers(2), numbers(2), numbers(2), numbers(4)];
  return { refused, unknown, generic, fine, all: [...refused, ...unknown, ...generic, ...fine] };
}

/** -9 for the refused (each isolated by splitting), "unknown subscriber" reports and generic ones as pushed reports. */
function gatewayFaults(stack: CampaignStack, c: ReturnType<typeof cast>) {
  stack.sim.setFaults({
    reportUrl: stack.reportUrl,
    reportDelayMs: 0,
    reportDelayJitterMs: 0,
    abnormalNumbers: c.refused,
    // The second reason in another case: the list is compared case-insensitively.
    undeliveredReasons: {
      [c.unknown[0]]: 'UNKNOWN_SUBSCRIBER',
      [c.unknown[1]]: 'Err:001',
      [c.generic[0]]: 'UNDELIV',
      [c.generic[1]]: 'EXPIRED',
    },
  });
}

/** Sends one campaign to `list` and waits for it to end and for every report of what it sent. */
async function send(stack: CampaignStack, list: string[]): Promise<RecipientResult[]> {
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Your parcel is on its way',
    recipients: list.map((number) => ({ number })),
  });
  await campaignEnded(stack.producer, campaignId);
  await waitFor('every delivery report', async () =>
    (await stack.producer.getCampaign(campaignId)).delivery.pending === 0 ? true : undefined,
  );
  return resultsOf(stack.producer, campaignId);
}

/** The suppression list as GET /v1/suppressions streams it, for these numbers. */
async function listed(stack: CampaignStack, among: string[]): Promise<Array<{ number: string; reason: string; source: string }>> {
  const res = await stack.server.app.inject({ method: 'GET', url: '/v1/suppressions', headers: BEARER });
  expect(res.statusCode).toBe(200);
  const entries = res.body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { number: string; reason: string; source: string });
  return entries.filter((e) => among.includes(e.number)).sort((a, b) => a.number.localeCompare(b.number));
}

/** The gateway pushes reports to the server (the poller is off: getReport gives no reason to judge by). */
const ENV = { DLR_TOKEN: 'dlr-token-0123456789abcdef', DLR_POLL_INTERVAL_MS: '0' };

const sends = (stack: CampaignStack, number: string) => stack.sim.ledger.countFor(number);

async function suppressedCount(source: 'call' | 'report'): Promise<number> {
  return (await metrics.hardFailuresSuppressed.get()).values.find((v) => v.labels.source === source)?.value ?? 0;
}

describe('with SMS_SUPPRESS_HARD_FAILURES on (the default)', () => {
  const stack = useCampaignStack('hard-failures', { app: 'listen', env: ENV });

  it('suppresses exactly the numbers refused alone with -9 or reported unknown, and sends the next campaign to the rest', async () => {
    const c = cast();
    gatewayFaults(stack, c);
    const [calls, reports] = [await suppressedCount('call'), await suppressedCount('report')];
    await stack.worker();
    const first = await send(stack, c.all);
    const status = new Map(first.map((r) => [r.number, r]));
    for (const n of c.refused) expect(status.get(n)).toMatchObject({ status: 'failed', code: '-9' });
    for (const n of [...c.unknown, ...c.generic]) expect(status.get(n)).toMatchObject({ status: 'sent', delivery: 'undelivered' });
    for (const n of c.fine) expect(status.get(n)).toMatchObject({ status: 'sent', delivery: 'delivered' });

    const hard = [...c.refused, ...c.unknown].sort();
    // A pushed report's number is listed just after the report is stored: wait for the list, not the campaign.
    const entries = await waitFor('the hard failures on the list', async () => {
      const l = await listed(stack, c.all);
      return l.length >= hard.length ? l : undefined;
    });
    expect(entries.map((e) => e.number)).toEqual(hard);
    for (const e of entries) expect(e).toMatchObject({ reason: 'hard-failure', source: 'gateway' });
    expect((await suppressedCount('call')) - calls).toBe(2);
    expect((await suppressedCount('report')) - reports).toBe(2);

    const second = await send(stack, c.all);
    const next = new Map(second.map((r) => [r.number, r]));
    for (const n of hard) expect(next.get(n)).toMatchObject({ status: 'suppressed', reason: 'hard-failure' });
    for (const n of [...c.generic, ...c.fine]) expect(next.get(n)?.status).toBe('sent');
    // The gateway's ledger: the rest twice, the reported-unknown once, the refused never.
    for (const n of [...c.generic, ...c.fine]) expect(sends(stack, n)).toBe(2);
    for (const n of c.unknown) expect(sends(stack, n)).toBe(1);
    for (const n of c.refused) expect(sends(stack, n)).toBe(0);
  }, 90_000);

  it("never replaces an entry already listed: an operator's manual entry keeps its reason", async () => {
    const [manual, fresh] = numbers(2);
    // Reports withheld: this test pushes them itself, after an operator listed one of the numbers.
    stack.sim.setFaults({ reportUrl: null });
    await stack.worker();
    const { campaignId } = await stack.producer.enqueueCampaign({
      content: 'Your parcel is late',
      recipients: [{ number: manual }, { number: fresh }],
    });
    await campaignEnded(stack.producer, campaignId);
    await stack.producer.suppressions.add([manual], { reason: 'manual' });
    const body = [manual, fresh].map((n) => {
      const e = [...stack.sim.ledger.entries()].find((x) => x.number === n)!;
      return { msgid: e.msgId, mobile: n, status: 1, reason: 'unknown_subscriber', timestamp: Date.now() };
    });
    const res = await fetch(stack.reportUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(await res.json()).toMatchObject({ matched: 2 });
    const entries = await waitFor('the hard failure on the list', async () => {
      const l = await listed(stack, [manual, fresh]);
      return l.length === 2 ? l : undefined;
    });
    expect(entries.find((e) => e.number === manual)).toMatchObject({ reason: 'manual' });
    expect(entries.find((e) => e.number === fresh)).toMatchObject({ reason: 'hard-failure', source: 'gateway' });
  }, 60_000);
});

describe('with SMS_SUPPRESS_HARD_FAILURES=false', () => {
  const stack = useCampaignStack('hard-failures-off', { app: 'listen', env: { ...ENV, SMS_SUPPRESS_HARD_FAILURES: 'false' } });

  it('suppresses none of them: the next campaign calls every number again', async () => {
    const c = cast();
    gatewayFaults(stack, c);
    await stack.worker();
    await send(stack, c.all);
    const second = await send(stack, c.all);
    expect(second.filter((r) => r.status === 'suppressed')).toEqual([]);
    expect(await listed(stack, c.all)).toEqual([]);
    for (const n of c.refused) expect(second.find((r) => r.number === n)).toMatchObject({ status: 'failed', code: '-9' });
    for (const n of [...c.unknown, ...c.generic, ...c.fine]) expect(sends(stack, n)).toBe(2);
  }, 90_000);
});

describe('with SMS_SUPPRESSION_SCOPE=tenant', () => {
  const stack = useCampaignStack('hard-failures-tenant', { app: 'listen', env: { ...ENV, SMS_SUPPRESSION_SCOPE: 'tenant' } });

  it("lists a tenant's hard failures on its own list: its next campaign skips them, another tenant's still sends", async () => {
    const c = cast();
    gatewayFaults(stack, c);
    await stack.worker();
    const keys = {
      shop: (await stack.ctx.apiKeys.create({ name: 'shop-backend', scope: 'tenant', tenant: 'shop' })).key,
      billing: (await stack.ctx.apiKeys.create({ name: 'billing-backend', scope: 'tenant', tenant: 'billing' })).key,
    };
    const campaign = async (tenant: 'shop' | 'billing', campaignId: string) => {
      const res = await stack.server.app.inject({
        method: 'POST',
        url: '/v1/campaigns',
        headers: { authorization: `Bearer ${keys[tenant]}` },
        payload: { campaignId, content: `${campaignId} of ${tenant}`, recipients: c.all.map((number) => ({ number })) },
      });
      expect(res.statusCode).toBe(201);
      const stored = `${tenant}~${campaignId}`;
      await campaignEnded(stack.producer, stored);
      await waitFor('every delivery report', async () =>
        (await stack.producer.getCampaign(stored)).delivery.pending === 0 ? true : undefined,
      );
      return new Map((await resultsOf(stack.producer, stored)).map((r) => [r.number, r.status]));
    };
    await campaign('shop', 'first');
    const hard = [...c.refused, ...c.unknown];
    await waitFor("the hard failures on shop's list", async () => {
      const entries = await Promise.all(hard.map((n) => stack.ctx.suppressions.check(n, 'shop')));
      return entries.every((e) => e?.reason === 'hard-failure') ? true : undefined;
    });
    // Not on the shared list: they bind only shop's campaigns.
    for (const n of hard) expect(await stack.ctx.suppressions.check(n)).toBeNull();
    const shop = await campaign('shop', 'second');
    for (const n of hard) expect(shop.get(n)).toBe('suppressed');
    const billing = await campaign('billing', 'first');
    for (const n of c.unknown) expect(billing.get(n)).toBe('sent');
  }, 90_000);
});
