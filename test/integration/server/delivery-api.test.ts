import type { CampaignInfo, RecipientResult } from '../../../src/shared/types';
import { useCampaignStack } from '../../support/campaigns';
import { uniquePrefix, waitFor } from '../../support/env';
import { BEARER, errorCode, openApp, serverConfig } from '../../support/server';

const DLR_TOKEN = 'dlr-token-abcdef0123456789';
const stack = useCampaignStack('api-delivery', {
  app: 'inject',
  workers: 1,
  env: { DLR_TOKEN, DLR_POLL_INTERVAL_MS: '0', SMS_SETTLE_AFTER_MS: '0' },
});

let nextNumber = 447_722_000_000;
const numbers = (n: number) => Array.from({ length: n }, () => String(nextNumber++));

const get = (url: string) => stack.server.app.inject({ method: 'GET', url, headers: BEARER });
function push(body: unknown, token = DLR_TOKEN, contentType = 'application/json') {
  return stack.server.app.inject({
    method: 'POST',
    url: `/v1/delivery-reports/${token}`,
    headers: { 'content-type': contentType },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function sentCampaign(id: string, n: number): Promise<RecipientResult[]> {
  const res = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: { ...BEARER, 'content-type': 'application/json' },
    payload: JSON.stringify({ campaignId: id, content: 'Report me', recipients: numbers(n).map((number) => ({ number })) }),
  });
  expect(res.statusCode).toBe(201);
  await waitFor(`campaign ${id}`, async () =>
    get(`/v1/campaigns/${id}`)
      .then((r) => r.json<CampaignInfo>())
      .then((i) => (i.state === 'completed' ? i : undefined)),
  );
  return (await get(`/v1/campaigns/${id}/results`)).body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RecipientResult);
}

const report = (r: RecipientResult, fields: Record<string, unknown> = {}) => ({
  appId: 'sim-app',
  msgid: r.msgId,
  mobile: r.number,
  status: 0,
  reason: '0',
  timestamp: 1_764_000_000_000,
  mcc: '234',
  mnc: '10',
  pricedetail: { pay: '0.0200', currency: 'USD', chargeCnt: 2, price: '0.0100' },
  ...fields,
});

describe('POST /v1/delivery-reports/:token', () => {
  it('refuses a wrong token with 401 before reading anything, and changes nothing', async () => {
    const [r] = await sentCampaign('dlr-token', 1);
    const res = await push(report(r), 'not-the-token-at-all');
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('UNAUTHORIZED');
    expect((await get('/v1/campaigns/dlr-token')).json<CampaignInfo>().delivery.delivered).toBe(0);
  });

  it('records a report once: the same report again, or in any content type, changes nothing', async () => {
    const [a, b] = await sentCampaign('dlr-once', 2);
    const first = await push(report(a));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ received: 1, matched: 1, duplicate: 0, held: 0, unmatched: 0, invalid: [] });
    expect((await push(report(a), DLR_TOKEN, 'text/plain')).json()).toMatchObject({ matched: 0, duplicate: 1 });
    expect(
      (await push([report(a), report(b, { status: 1, reason: 'UNDELIV' })], DLR_TOKEN, 'application/x-www-form-urlencoded')).json(),
    ).toMatchObject({ received: 2, matched: 1, duplicate: 1 });
    const info = (await get('/v1/campaigns/dlr-once')).json<CampaignInfo>();
    expect(info.delivery).toMatchObject({ delivered: 1, undelivered: 1, pending: 0, cost: { USD: '0.04' }, priced: 2, deliveryRate: 0.5 });
    const results = (await get('/v1/campaigns/dlr-once/results')).body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RecipientResult);
    expect(results[1]).toMatchObject({
      delivery: 'undelivered',
      deliveryCode: '1',
      deliveryReason: 'UNDELIV',
      price: '0.02',
      currency: 'USD',
      reportedAt: new Date(1_764_000_000_000).toISOString(),
    });
  });

  it('lets the later report win whatever order they arrive in, and counts the price once', async () => {
    const [r] = await sentCampaign('dlr-order', 1);
    expect((await push(report(r, { status: 0, timestamp: 1_764_000_002_000 }))).json()).toMatchObject({ matched: 1 });
    // An earlier "failed" that arrives late does not undo the delivery.
    expect((await push(report(r, { status: 1, reason: 'UNDELIV', timestamp: 1_764_000_001_000 }))).json()).toMatchObject({ duplicate: 1 });
    expect((await get('/v1/campaigns/dlr-order')).json<CampaignInfo>().delivery).toMatchObject({
      delivered: 1,
      undelivered: 0,
      cost: { USD: '0.02' },
    });
  });

  it('matches msgIds that come back as bare numbers, without leading zeros or in another case', async () => {
    const [r] = await sentCampaign('dlr-forms', 1);
    const body = JSON.stringify(report(r, { msgid: 'X' })).replace('"X"', r.msgId!.replace(/^0+/, ''));
    expect((await push(body)).json()).toMatchObject({ matched: 1 });
  });

  it('holds a report for a msgId it does not know, counts it, and answers 200', async () => {
    const res = await push({ msgid: '9999999999999999999', mobile: '447700900000', status: 0, timestamp: Date.now() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: 1, matched: 0, held: 1 });
  });

  it('names the bad elements of a list, records the good ones, and refuses a body that is no report', async () => {
    const [r] = await sentCampaign('dlr-bad', 1);
    const res = await push([{ status: 0 }, report(r), { msgid: 'm', status: 'delivered' }, 42]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      received: 4,
      matched: 1,
      duplicate: 0,
      held: 0,
      unmatched: 0,
      invalid: [
        { index: 0, reason: 'msgid is missing or not an id' },
        { index: 2, reason: 'status is missing or not an integer' },
        { index: 3, reason: 'not a report object' },
      ],
    });
    for (const bad of ['', 'not json', '{"msgid":']) {
      const refused = await push(bad);
      expect(refused.statusCode).toBe(400);
      expect(errorCode(refused)).toBe('BAD_REQUEST');
    }
  });

  it('does not apply a report whose number is not the recipient of that msgId', async () => {
    const [r] = await sentCampaign('dlr-number', 1);
    expect((await push(report(r, { mobile: '15559999999' }))).json()).toMatchObject({ matched: 0, unmatched: 1 });
    expect((await get('/v1/campaigns/dlr-number')).json<CampaignInfo>().delivery.delivered).toBe(0);
  });
});

describe('without DLR_TOKEN, or from an address not allowed', () => {
  it('refuses every push and says why', async () => {
    const bare = await openApp(serverConfig(uniquePrefix('api-dlr-off'), stack.sim.baseUrl));
    try {
      const res = await bare.app.inject({ method: 'POST', url: '/v1/delivery-reports/anything-at-all-12345', payload: '{}' });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.message).toMatch(/DLR_TOKEN/);
    } finally {
      await bare.close();
    }
    const guarded = await openApp(
      serverConfig(uniquePrefix('api-dlr-ip'), stack.sim.baseUrl, { DLR_TOKEN, DLR_ALLOWED_IPS: '10.0.0.0/8, 192.0.2.7' }),
    );
    try {
      const from = (remoteAddress: string) =>
        guarded.app.inject({ method: 'POST', url: `/v1/delivery-reports/${DLR_TOKEN}`, remoteAddress, payload: '[]' });
      expect((await from('127.0.0.1')).statusCode).toBe(403);
      expect((await from('10.1.2.3')).statusCode).toBe(200);
      expect((await from('192.0.2.7')).statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('settle and balance routes', () => {
  // /reconcile is the old name of /settle (deprecated): it answers the same.
  it.each(['settle', 'reconcile'])('settles a campaign at /%s: 404 for an unknown one, nothing to do for a clean one', async (route) => {
    await sentCampaign(`rec-clean-${route}`, 3);
    const res = await stack.server.app.inject({
      method: 'POST',
      url: `/v1/campaigns/rec-clean-${route}/${route}?resend=true`,
      headers: BEARER,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ campaignId: `rec-clean-${route}`, unknown: 0, sent: 0, notSent: 0, resent: 0 });
    const missing = await stack.server.app.inject({ method: 'POST', url: `/v1/campaigns/nope/${route}`, headers: BEARER });
    expect(errorCode(missing)).toBe('CAMPAIGN_NOT_FOUND');
    const bad = await stack.server.app.inject({
      method: 'POST',
      url: `/v1/campaigns/rec-clean-${route}/${route}?resend=yes`,
      headers: BEARER,
    });
    expect(bad.statusCode).toBe(400);
  });

  it('reads the balance and what it pays for at the last reported price', async () => {
    stack.sim.setFaults({ balance: 1000, pricePerSegment: 0.01 });
    const [r] = await sentCampaign('bal-price', 1);
    await push(report(r, { pricedetail: { pay: '0.0100', currency: 'USD', chargeCnt: 1, price: '0.0100' } }));
    const res = await get('/v1/balance');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ balance: '9.9900', available: '9.99', lastPrice: { pay: '0.01', currency: 'USD' }, messages: 999 });
  });

  it('refuses a campaign the balance cannot cover with 402 when asked to, queueing nothing; warns otherwise', async () => {
    stack.sim.setFaults({ balance: 10, pricePerSegment: 0.01 });
    const [r] = await sentCampaign('bal-seed', 1);
    await push(report(r, { pricedetail: { pay: '0.0100', currency: 'USD', chargeCnt: 1, price: '0.0100' } }));
    const body = (balanceCheck: string) =>
      JSON.stringify({
        campaignId: `bal-${balanceCheck}`,
        content: 'Too many',
        balanceCheck,
        recipients: numbers(50).map((number) => ({ number })),
      });
    const post = (balanceCheck: string) =>
      stack.server.app.inject({
        method: 'POST',
        url: '/v1/campaigns',
        headers: { ...BEARER, 'content-type': 'application/json' },
        payload: body(balanceCheck),
      });
    const refused = await post('require');
    expect(refused.statusCode).toBe(402);
    expect(errorCode(refused)).toBe('BALANCE_INSUFFICIENT');
    expect((await get('/v1/campaigns/bal-require')).statusCode).toBe(404);
    const warned = await post('warn');
    expect(warned.statusCode).toBe(201);
    expect(warned.json().warnings[0]).toMatch(/50 messages cost about 0\.50 USD.*enough for 9/);
    stack.sim.setFaults({ balance: Infinity });
  });
});

describe('/metrics', () => {
  it('counts reports received by source and result, and their latency', async () => {
    const [r] = await sentCampaign('dlr-metrics', 1);
    await push(report(r, { timestamp: Date.now() }));
    await push({ msgid: '8888888888888888888', status: 0 });
    await push([{ status: 0 }]);
    const text = (await get('/metrics')).body;
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    expect(value('smsq_delivery_reports_total{source="push",result="matched"}')).toBeGreaterThanOrEqual(1);
    expect(value('smsq_delivery_reports_total{source="push",result="held"}')).toBeGreaterThanOrEqual(1);
    expect(value('smsq_delivery_reports_total{source="push",result="invalid"}')).toBeGreaterThanOrEqual(1);
    expect(value('smsq_delivery_report_latency_seconds_count')).toBeGreaterThanOrEqual(1);
  });
});
