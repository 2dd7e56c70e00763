import { Writable } from 'node:stream';
import { createLogger } from '../../../src/shared/logger';
import { SIMULATOR_CREDENTIALS, type Config } from '../../../src/shared/config';
import { GatewayQueries } from '../../../src/shared/gateway/queries';
import { startSimulator, type Simulator } from '../../../src/simulator';
import { waitUntil } from '../../support/wait-for';
import { numbersFrom, sendSms } from '../../support/simulator-client';

let sim: Simulator;
let queries: GatewayQueries;
let logs: string;

/** The default deadline: it bounds the whole answer, and a 50,000-row getSentRcd page (6 MB) takes seconds on a loaded machine. */
function gatewayOf(s: Simulator, more: Partial<Config['gateway']> = {}): Config['gateway'] {
  return { baseUrl: s.baseUrl, ...SIMULATOR_CREDENTIALS, connectTimeoutMs: 1000, responseTimeoutMs: 20_000, ...more };
}

beforeEach(async () => {
  sim = await startSimulator({ port: 0 });
  logs = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((logs += chunk), done()) });
  queries = new GatewayQueries(gatewayOf(sim), createLogger('debug', 'test', sink));
});

afterEach(async () => {
  queries.close();
  await sim.close();
});

describe('GatewayQueries against the simulator', () => {
  it('getReport: sending before reportAt, then delivered and failed with the report time', async () => {
    sim.setFaults({ reportDelayMs: 200, reportDelayJitterMs: 0 });
    const delivered = (await sendSms(sim, { numbers: ['91856321412'] })).array![0].msgId;
    sim.setFaults({ undeliveredRate: 1 });
    const failed = (await sendSms(sim, { numbers: ['91856321413'] })).array![0].msgId;

    const early = await queries.getReport([delivered, failed, '2101010000001234567']);
    expect(early).toEqual({
      ok: true,
      value: {
        nofound: 1,
        sending: 2,
        records: expect.arrayContaining([
          expect.objectContaining({ msgId: delivered, number: '91856321412', state: 'sending', rawStatus: '-1' }),
        ]),
      },
    });

    await waitUntil('the failed report to be due', () => Date.now() >= sim.ledger.byMsgId(failed)!.reportAt, 5_000, 5);
    const late = await queries.getReport([delivered, failed]);
    if (!late.ok) throw new Error(`getReport failed: ${JSON.stringify(late)}`);
    const byId = new Map(late.value.records.map((r) => [r.msgId, r]));
    expect(byId.get(delivered)).toMatchObject({ state: 'delivered', rawStatus: '0' });
    expect(byId.get(failed)).toMatchObject({ state: 'failed', rawStatus: '1' });
    // The answer's times are whole seconds.
    expect(byId.get(failed)!.receiveTime).toBe(Math.floor(sim.ledger.byMsgId(failed)!.reportAt / 1000) * 1000);
    expect(late.value.sending).toBe(0);
  });

  it('getReport: refuses more than 200 msgIds before calling, and answers none without a call', async () => {
    const ids = Array.from({ length: 201 }, (_, i) => `2101010000001${String(i).padStart(6, '0')}`);
    await expect(queries.getReport(ids)).rejects.toThrow(RangeError);
    expect(await queries.getReport([])).toEqual({ ok: true, value: { records: [], nofound: 0, sending: 0 } });
    const atLimit = await queries.getReport(ids.slice(0, 200));
    expect(atLimit).toMatchObject({ ok: true, value: { nofound: 200, records: [] } });
    expect(sim.stats().queries).toEqual({ getReport: { '0': 1 } });
  });

  it('getSentRcd: sends URL-encoded +08:00 times and pages at 50,000 rows', async () => {
    for (let first = 0; first < 50_001; first += 1000) {
      await sendSms(sim, { numbers: numbersFrom(91000000000 + first, Math.min(1000, 50_001 - first)) });
    }
    const window = { start: new Date(Date.now() - 60_000), end: new Date() };
    const page1 = await queries.getSentRcd({ ...window, startIndex: 0 });
    const page2 = await queries.getSentRcd({ ...window, startIndex: 50_000 });
    if (!page1.ok || !page2.ok) throw new Error('getSentRcd failed');
    expect(page1.value.records).toHaveLength(50_000);
    const last = [...sim.ledger.entries()][50_000];
    expect(page2.value.records).toEqual([
      { msgId: last.msgId, number: last.number, receiveTime: Math.floor(last.at / 1000) * 1000, rawStatus: '0' },
    ]);
  });

  it('getSentRcd: refuses a window the gateway would refuse before calling', async () => {
    const now = Date.now();
    await expect(queries.getSentRcd({ start: new Date(now), end: new Date(now - 1), startIndex: 0 })).rejects.toThrow(RangeError);
    await expect(queries.getSentRcd({ start: new Date(now - 32 * 86_400_000), end: new Date(now), startIndex: 0 })).rejects.toThrow(
      /31 days/,
    );
    await expect(queries.getSentRcd({ start: new Date(now), end: new Date(now), startIndex: -1 })).rejects.toThrow(/startIndex/);
    await expect(queries.getSentRcd({ start: new Date(Number.NaN), end: new Date(now), startIndex: 0 })).rejects.toThrow(RangeError);
    expect(sim.stats().queries).toEqual({});
    // Exactly 31 days, not on whole seconds: rounding out to seconds must not make the gateway refuse it.
    const start = Math.floor(now / 1000) * 1000 + 1;
    expect(await queries.getSentRcd({ start: new Date(start), end: new Date(start + 31 * 86_400_000), startIndex: 0 })).toMatchObject({
      ok: true,
    });
  });

  it('getBalance: the balance as a decimal string', async () => {
    expect(await queries.getBalance()).toEqual({ ok: true, value: { balance: '999999999.0000', gift: '0', credit: '0' } });
    sim.setFaults({ balance: 250, pricePerSegment: 0.02 });
    expect(await queries.getBalance()).toEqual({ ok: true, value: { balance: '5.0000', gift: '0', credit: '0' } });
  });

  it('returns a gateway refusal as kind "status": -15 injected, -1 for wrong credentials', async () => {
    sim.setFaults({ queryStatus: '-15' });
    expect(await queries.getReport(['1'])).toEqual({ ok: false, kind: 'status', status: '-15', reason: expect.any(String) });
    sim.setFaults({ queryStatus: null });
    const wrong = new GatewayQueries(gatewayOf(sim, { apiSecret: 'wrong' }), createLogger('silent'));
    try {
      expect(await wrong.getBalance()).toMatchObject({ ok: false, kind: 'status', status: '-1' });
    } finally {
      wrong.close();
    }
  });

  it('returns HTTP errors as kind "http" and an unreachable gateway as kind "transport"', async () => {
    sim.setFaults({ http500Rate: 1 });
    expect(await queries.getBalance()).toEqual({ ok: false, kind: 'http', httpStatus: 500, message: expect.stringContaining('500') });
    const closed = await startSimulator({ port: 0 });
    await closed.close();
    const unreachable = new GatewayQueries(gatewayOf(closed), createLogger('silent'));
    try {
      expect(await unreachable.getReport(['1'])).toMatchObject({
        ok: false,
        kind: 'transport',
        message: expect.stringContaining('ECONNREFUSED'),
      });
    } finally {
      unreachable.close();
    }
  });

  it('signs every call afresh and never logs the secret or the Sign', async () => {
    await queries.getBalance();
    await queries.getReport(['1']);
    expect(sim.stats().queries).toEqual({ getBalance: { '0': 1 }, getReport: { '0': 1 } });
    expect(logs).toContain('gateway query answered');
    expect(logs).not.toContain(SIMULATOR_CREDENTIALS.apiSecret);
    expect(logs).not.toMatch(/[0-9a-f]{32}/);
  });
});
