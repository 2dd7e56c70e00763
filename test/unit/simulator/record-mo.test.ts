import { SIMULATOR_CREDENTIALS } from '../../../src/shared/config';
import { formatGatewayTime } from '../../../src/shared/gateway/gateway-time';
import { GatewayQueries } from '../../../src/shared/gateway/queries';
import { sign, timestampNow } from '../../../src/shared/gateway/sign';
import { createLogger } from '../../../src/shared/logger';
import { startSimulator, type Simulator } from '../../../src/simulator';
import { waitUntil } from '../../support/wait-for';
import { control } from '../../support/simulator-client';
import { startReceiver, type ReportReceiver } from '../../support/report-receiver';

let sim: Simulator;
let queries: GatewayQueries;

beforeEach(async () => {
  sim = await startSimulator({ port: 0 });
  queries = new GatewayQueries(
    { baseUrl: sim.baseUrl, ...SIMULATOR_CREDENTIALS, connectTimeoutMs: 1000, responseTimeoutMs: 5000 },
    createLogger('silent'),
  );
});

afterEach(async () => {
  queries.close();
  await sim.close();
});

const HOUR = 3_600_000;

async function inject(replies: unknown): Promise<Record<string, unknown>> {
  const res = await control(sim, 'POST', 'replies', replies);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** A recordMo POST as a client would make it, with knobs to get each part wrong. */
async function postRecordMo(body: unknown, auth: { apiSecret?: string } = {}): Promise<Record<string, unknown>> {
  const timestamp = timestampNow();
  const res = await fetch(`${sim.baseUrl}/recordMo`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Timestamp: timestamp,
      'Api-Key': SIMULATOR_CREDENTIALS.apiKey,
      Sign: sign(SIMULATOR_CREDENTIALS.apiKey, auth.apiSecret ?? SIMULATOR_CREDENTIALS.apiSecret, timestamp),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const window = (start: number, end: number) => ({ strTime: formatGatewayTime(start), endTime: formatGatewayTime(end) });

describe('recordMo in the simulator', () => {
  it('lists injected replies within the window, oldest first, page by page, as the reference describes', async () => {
    const now = Date.now();
    const base = Math.floor(now / 1000) * 1000 - 10 * HOUR;
    const replies = Array.from({ length: 250 }, (_, i) => ({
      number: String(447700900000 + i),
      content: `reply ${i}`,
      receiveTime: base + i * 1000,
      sendId: 'SHOP',
    }));
    // Injected out of order, plus one outside the window.
    await inject(replies.slice(100));
    await inject(replies.slice(0, 100));
    await inject({ number: '+447700999999', content: 'old', receiveTime: formatGatewayTime(base - 5 * HOUR) });

    const pages = [];
    for (let current = 1; current <= 3; current++) {
      const answer = await queries.recordMo({ start: new Date(base - HOUR), end: new Date(now), current, size: 100 });
      if (!answer.ok) throw new Error(JSON.stringify(answer));
      pages.push(answer.value);
    }
    expect(pages.map((p) => [p.total, p.pages, p.current, p.records.length])).toEqual([
      [250, 3, 1, 100],
      [250, 3, 2, 100],
      [250, 3, 3, 50],
    ]);
    const listed = pages.flatMap((p) => p.records);
    expect(listed.map((r) => r.content)).toEqual(replies.map((r) => r.content));
    expect(listed[0]).toEqual({
      number: '447700900000',
      sendId: 'SHOP',
      receiveTime: base,
      content: 'reply 0',
      mcc: '234',
      mnc: '-1',
      operator: 'Simulated',
      pay: '0',
      currency: 'USD',
    });

    const wide = await queries.recordMo({ start: new Date(base - 6 * HOUR), end: new Date(now), current: 1, size: 10 });
    expect(wide.ok && [wide.value.total, wide.value.records[0].number]).toEqual([251, '447700999999']);
    const past = await queries.recordMo({ start: new Date(base - HOUR), end: new Date(now), current: 4, size: 100 });
    expect(past.ok && past.value.records).toEqual([]);
  });

  it('answers the raw documented shape: data with total, size, current, pages and records (mcc, mnc numbers)', async () => {
    await inject({ number: '8613800138000', content: '退订', sendId: 'ALERTS' });
    const answer = await postRecordMo({
      appId: SIMULATOR_CREDENTIALS.appId,
      current: 1,
      size: 100,
      params: window(Date.now() - HOUR, Date.now() + 1000),
    });
    expect(answer).toEqual({
      status: '0',
      reason: 'success',
      data: {
        total: 1,
        size: 100,
        current: 1,
        pages: 1,
        records: [
          {
            number: '8613800138000',
            sendId: 'ALERTS',
            receiveTime: expect.stringMatching(/\+08:00$/),
            content: '退订',
            mcc: 460,
            mnc: -1,
            operator: 'Simulated',
            pricedetail: { pay: '0', chargeCnt: 1, currency: 'USD', price: '0' },
          },
        ],
      },
    });
  });

  it('checks the signature and appId, and answers -22 to bad parameters and -25 to a window out of range', async () => {
    const ok = { appId: SIMULATOR_CREDENTIALS.appId, current: 1, size: 100, params: window(Date.now() - HOUR, Date.now()) };
    expect(await postRecordMo(ok, { apiSecret: 'wrong' })).toMatchObject({ status: '-1' });
    expect(await postRecordMo({ ...ok, appId: 'other' })).toMatchObject({ status: '-1' });
    expect(await postRecordMo({ ...ok, size: 101 })).toMatchObject({ status: '-22' });
    expect(await postRecordMo({ ...ok, current: 0 })).toMatchObject({ status: '-22' });
    expect(await postRecordMo({ ...ok, params: { strTime: '2022-08-01 00:00:00', endTime: formatGatewayTime(Date.now()) } })).toMatchObject(
      { status: '-22' },
    );
    expect(await postRecordMo({ ...ok, params: window(Date.now(), Date.now() - HOUR) })).toMatchObject({ status: '-22' });
    expect(await postRecordMo({ ...ok, params: window(Date.now() - 32 * 24 * HOUR, Date.now()) })).toMatchObject({ status: '-25' });
    expect(
      await postRecordMo({ ...ok, params: window(Date.parse('2022-06-30T00:00:00Z'), Date.parse('2022-07-02T00:00:00Z')) }),
    ).toMatchObject({ status: '-25' });
    expect(await postRecordMo('[1,2]')).toMatchObject({ status: '-1' });
    const get = await fetch(`${sim.baseUrl}/recordMo`);
    expect(get.status).toBe(405);
  });

  it('applies the query faults: queryStatus (-15) and transientRate (-18), counted in stats', async () => {
    const page = { start: new Date(Date.now() - HOUR), end: new Date(), current: 1, size: 100 };
    sim.setFaults({ queryStatus: '-15' });
    expect(await queries.recordMo(page)).toMatchObject({ ok: false, kind: 'status', status: '-15' });
    sim.setFaults({ queryStatus: null, transientRate: 1 });
    expect(await queries.recordMo(page)).toMatchObject({ ok: false, kind: 'status', status: '-18' });
    sim.setFaults({ transientRate: 0 });
    expect(await queries.recordMo(page)).toMatchObject({ ok: true });
    expect(sim.stats().queries.recordMo).toEqual({ '-15': 1, '-18': 1, '0': 1 });
  });

  it('refuses a bad injected reply as a whole, and clears replies on reset', async () => {
    const bad = await control(sim, 'POST', 'replies', [
      { number: '447700900001', content: 'ok' },
      { number: 'abc', content: 'x' },
    ]);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { reason: string }).reason).toMatch(/reply 1: number/);
    await inject({ number: '447700900001', content: 'STOP' });
    const before = await queries.recordMo({ start: new Date(Date.now() - HOUR), end: new Date(), current: 1, size: 100 });
    expect(before.ok && before.value.total).toBe(1);
    await control(sim, 'POST', 'reset');
    const after = await queries.recordMo({ start: new Date(Date.now() - HOUR), end: new Date(), current: 1, size: 100 });
    expect(after.ok && after.value.total).toBe(0);
  });

  describe('pushing replies', () => {
    let receiver: ReportReceiver;
    beforeEach(async () => {
      receiver = await startReceiver();
    });
    afterEach(async () => {
      await receiver.close();
    });

    it('POSTs each injected reply to replyUrl at once, one reply per POST with the recordMo fields', async () => {
      expect(await inject({ number: '447700900001', content: 'none pushed yet' })).toMatchObject({ injected: 1, pushed: 0 });
      sim.setFaults({ replyUrl: receiver.url });
      expect(
        await inject([
          { number: '447700900002', content: 'STOP', sendId: 'SHOP' },
          { number: '447700900003', content: 'hi' },
        ]),
      ).toMatchObject({ injected: 2, pushed: 2 });
      await waitUntil('two reply pushes', () => receiver.received.length === 2, 5_000, 5);
      expect(receiver.received.every((r) => !Array.isArray(r.body))).toBe(true);
      expect(
        receiver
          .reports()
          .map((b) => b.content)
          .sort(),
      ).toEqual(['STOP', 'hi']);
      expect(receiver.reports().find((b) => b.content === 'STOP')).toMatchObject({
        number: '447700900002',
        sendId: 'SHOP',
        operator: 'Simulated',
        receiveTime: expect.any(String),
      });
    });
  });
});
