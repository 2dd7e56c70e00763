import { startSimulator, type Simulator } from '../../../src/simulator';
import { formatGatewayTime } from '../../../src/shared/gateway/gateway-time';
import { waitUntil } from '../../support/wait-for';
import { getQuery, numbersFrom, queryJson, sendSms } from '../../support/simulator-client';

let sim: Simulator;

beforeEach(async () => {
  sim = await startSimulator({ port: 0 });
});

afterEach(async () => {
  await sim.close();
});

const app = 'appId=sim-app';
const at = (ms: number) => encodeURIComponent(formatGatewayTime(ms));

describe('getReport', () => {
  it('answers -1 (sending) before reportAt, then the final status, with string fields and +08:00 times', async () => {
    // Long enough that the first query comes before the reports are due even on a loaded machine (300 ms was not).
    sim.setFaults({ reportDelayMs: 2_000, reportDelayJitterMs: 0, undeliveredRate: 1 });
    const failed = (await sendSms(sim, { numbers: ['91856321412'] })).array![0];
    sim.setFaults({ undeliveredRate: 0 });
    const delivered = (await sendSms(sim, { numbers: ['91856321413'] })).array![0];
    const ids = `msgIds=${failed.msgId},${delivered.msgId}`;

    const before = await queryJson(sim, 'getReport', `${app}&${ids}`);
    expect(before).toMatchObject({ status: '0', reason: 'success', success: '0', fail: '0', sending: '2', nofound: '0' });
    const entry = sim.ledger.byMsgId(failed.msgId)!;
    expect(before.array).toContainEqual({
      msgId: failed.msgId,
      number: '91856321412',
      receiveTime: formatGatewayTime(entry.at),
      status: '-1',
    });

    await waitUntil('the delivered report to be due', () => Date.now() >= sim.ledger.byMsgId(delivered.msgId)!.reportAt, 5_000, 5);
    const after = await queryJson(sim, 'getReport', `${app}&${ids}`);
    expect(after).toMatchObject({ success: '1', fail: '1', sending: '0', nofound: '0' });
    expect(after.array).toEqual(
      expect.arrayContaining([
        { msgId: failed.msgId, number: '91856321412', receiveTime: formatGatewayTime(entry.reportAt), status: '1' },
        expect.objectContaining({ msgId: delivered.msgId, status: '0' }),
      ]),
    );
    expect((after.array as Array<{ receiveTime: string }>)[0].receiveTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    expect(sim.stats().queries).toEqual({ getReport: { '0': 2 } });
  });

  it('knows the final status of a message whose report was lost', async () => {
    sim.setFaults({ reportDelayMs: 0, reportDelayJitterMs: 0, reportLossRate: 1 });
    const { msgId } = (await sendSms(sim, { numbers: ['91856321412'] })).array![0];
    expect(await queryJson(sim, 'getReport', `${app}&msgIds=${msgId}`)).toMatchObject({ success: '1', array: [{ msgId, status: '0' }] });
  });

  it('counts unknown msgIds in nofound, leaves them out of array, and answers repeated ids once', async () => {
    const { msgId } = (await sendSms(sim, { numbers: ['91856321412'] })).array![0];
    const answer = await queryJson(sim, 'getReport', `${app}&msgIds=${msgId},${msgId},2101010000001234567,1`);
    expect(answer).toMatchObject({ status: '0', sending: '1', nofound: '2' });
    expect(answer.array).toHaveLength(1);
  });

  it('answers 200 msgIds, and -14 to 201, to none and to an id that is not digits', async () => {
    const { array } = await sendSms(sim, { numbers: numbersFrom(91000000000, 201) });
    const ids = array!.map((e) => e.msgId);
    const answer = await queryJson(sim, 'getReport', `${app}&msgIds=${ids.slice(0, 200).join(',')}`);
    expect(answer).toMatchObject({ status: '0', sending: '200' });
    expect(answer.array).toHaveLength(200);
    for (const query of [`msgIds=${ids.join(',')}`, 'msgIds=', '', `msgIds=${ids[0]},abc`, `msgIds=${ids[0]},`]) {
      expect(await queryJson(sim, 'getReport', `${app}&${query}`)).toEqual({ status: '-14', reason: expect.any(String) });
    }
  });

  it('checks Api-Key, Sign, appId and Timestamp as sendSms does', async () => {
    expect((await queryJson(sim, 'getReport', `${app}&msgIds=1`, { apiSecret: 'wrong' })).status).toBe('-1');
    expect((await queryJson(sim, 'getReport', `${app}&msgIds=1`, { apiKey: 'wrong' })).status).toBe('-1');
    expect((await queryJson(sim, 'getReport', 'appId=other&msgIds=1')).status).toBe('-1');
    expect((await queryJson(sim, 'getReport', 'msgIds=1')).status).toBe('-1');
    const stale = String(Math.floor(Date.now() / 1000) - 1801);
    expect((await queryJson(sim, 'getReport', `${app}&msgIds=1`, { timestamp: stale })).status).toBe('-16');
  });

  it('answers queryStatus, then forceStatus, then -18 at transientRate 1, after checking the signature', async () => {
    sim.setFaults({ queryStatus: '-15', forceStatus: '-13' });
    expect(await queryJson(sim, 'getReport', `${app}&msgIds=1`)).toEqual({ status: '-15', reason: expect.any(String) });
    expect((await queryJson(sim, 'getBalance', '')).status).toBe('-15');
    expect((await queryJson(sim, 'getReport', `${app}&msgIds=1`, { apiSecret: 'wrong' })).status).toBe('-1');
    sim.setFaults({ queryStatus: null });
    expect((await queryJson(sim, 'getSentRcd', `${app}&startTime=x`)).status).toBe('-13');
    sim.setFaults({ forceStatus: null, transientRate: 1 });
    expect((await queryJson(sim, 'getReport', `${app}&msgIds=1`)).status).toBe('-18');
    expect(sim.stats().queries).toEqual({ getReport: { '-15': 1, '-1': 1, '-18': 1 }, getBalance: { '-15': 1 }, getSentRcd: { '-13': 1 } });
  });

  it('answers -18 to the queries alone at queryTransientRate 1, while sendSms still accepts', async () => {
    sim.setFaults({ queryTransientRate: 1 });
    const sent = await sendSms(sim, { numbers: ['91856321414'] });
    expect(sent.status).toBe('0');
    expect((await queryJson(sim, 'getReport', `${app}&msgIds=${sent.array![0].msgId}`)).status).toBe('-18');
    expect((await queryJson(sim, 'getBalance', '')).status).toBe('-18');
    expect(sim.stats().queries).toEqual({ getReport: { '-18': 1 }, getBalance: { '-18': 1 } });
  });

  it('answers injected HTTP 500 and 405 to other methods than GET', async () => {
    const post = await fetch(`${sim.baseUrl}/getReport`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    await post.text();
    sim.setFaults({ http500Rate: 1 });
    const res = await getQuery(sim, 'getReport', `${app}&msgIds=1`);
    expect(res.status).toBe(500);
    await res.text();
  });
});

describe('getSentRcd', () => {
  it('lists the messages accepted within the window, oldest first, with status "0"', async () => {
    const first = await sendSms(sim, { numbers: numbersFrom(91000000000, 3) });
    // The next messages must fall in a later second (the gateway's times have whole seconds).
    const acceptedIn = Math.floor([...sim.ledger.entries()].at(-1)!.at / 1000);
    await waitUntil('the next second', () => Math.floor(Date.now() / 1000) > acceptedIn, 2_000, 5);
    const second = await sendSms(sim, { numbers: numbersFrom(91000000100, 2) });
    const entries = [...sim.ledger.entries()];
    const firstSecond = Math.floor(entries[0].at / 1000) * 1000;

    const all = await queryJson(sim, 'getSentRcd', `${app}&startTime=${at(firstSecond)}&endTime=${at(Date.now() + 1000)}&startIndex=0`);
    expect(all).toMatchObject({ status: '0', reason: 'success', total: '5' });
    expect(all.array).toEqual(
      entries.map((e) => ({ msgId: e.msgId, number: e.number, receiveTime: formatGatewayTime(e.at), status: '0' })),
    );

    // Fractional seconds are ISO 8601 too: the window ends at the third message's very millisecond.
    const third = encodeURIComponent(new Date(entries[2].at).toISOString());
    const onlyFirst = await queryJson(sim, 'getSentRcd', `${app}&startTime=${at(firstSecond)}&endTime=${third}`);
    expect((onlyFirst.array as Array<{ msgId: string }>).map((r) => r.msgId).sort()).toEqual(first.array!.map((e) => e.msgId).sort());
    const onlySecond = await queryJson(sim, 'getSentRcd', `${app}&startTime=${at(entries[3].at)}&endTime=${at(Date.now() + 1000)}`);
    expect((onlySecond.array as Array<{ msgId: string }>).map((r) => r.msgId).sort()).toEqual(second.array!.map((e) => e.msgId).sort());
    const none = await queryJson(sim, 'getSentRcd', `${app}&startTime=${at(Date.now() + 5000)}&endTime=${at(Date.now() + 9000)}`);
    expect(none).toEqual({ status: '0', reason: 'success', total: '0', array: [] });
  });

  it('answers at most 50,000 rows per call and pages with startIndex', async () => {
    for (let first = 0; first < 50_001; first += 1000) {
      await sendSms(sim, { numbers: numbersFrom(91000000000 + first, Math.min(1000, 50_001 - first)) });
    }
    const window = `${app}&startTime=${at(Date.now() - 60_000)}&endTime=${at(Date.now() + 1000)}`;
    const page1 = await queryJson(sim, 'getSentRcd', `${window}&startIndex=0`);
    const page2 = await queryJson(sim, 'getSentRcd', `${window}&startIndex=50000`);
    const page3 = await queryJson(sim, 'getSentRcd', `${window}&startIndex=50001`);
    expect([page1.total, page2.total, page3.total]).toEqual(['50001', '50001', '50001']);
    expect((page1.array as unknown[]).length).toBe(50_000);
    expect(page2.array).toEqual([expect.objectContaining({ msgId: [...sim.ledger.entries()][50_000].msgId })]);
    expect(page3.array).toEqual([]);
  });

  it.each([
    ['a time without an offset', 'startTime=2024-01-01T00%3A00%3A00&endTime=2024-01-02T00%3A00%3A00%2B08%3A00', '-11'],
    ['an unencoded "+", which arrives as a space', `startTime=${formatGatewayTime(Date.now() - 1000)}&endTime=${at(Date.now())}`, '-11'],
    ['an end before the start', `startTime=${at(Date.now())}&endTime=${at(Date.now() - 1000)}`, '-11'],
    ['a window over 31 days', `startTime=${at(Date.now() - 32 * 86_400_000)}&endTime=${at(Date.now())}`, '-11'],
    ['a start over 90 days ago', `startTime=${at(Date.now() - 91 * 86_400_000)}&endTime=${at(Date.now() - 90 * 86_400_000)}`, '-11'],
    ['no times', '', '-11'],
    ['a negative startIndex', `startTime=${at(Date.now() - 1000)}&endTime=${at(Date.now())}&startIndex=-1`, '-14'],
  ])('answers %s with %s', async (_, query, status) => {
    expect(await queryJson(sim, 'getSentRcd', `${app}&${query}`)).toEqual({ status, reason: expect.any(String) });
  });

  it('accepts Z and other offsets, and a window of exactly 31 days', async () => {
    await sendSms(sim, { numbers: ['91856321412'] });
    const end = Math.ceil(Date.now() / 1000) * 1000;
    const start = new Date(end - 31 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const answer = await queryJson(sim, 'getSentRcd', `${app}&startTime=${encodeURIComponent(start)}&endTime=${at(end)}`);
    expect(answer).toMatchObject({ status: '0', total: '1' });
  });
});

describe('getBalance', () => {
  it('shows the balance in messages at pricePerSegment, as decimal strings', async () => {
    expect(await queryJson(sim, 'getBalance', '')).toEqual({
      status: '0',
      reason: 'success',
      balance: '999999999.0000',
      gift: '0',
      credit: '0',
    });
    sim.setFaults({ balance: 7 });
    expect((await queryJson(sim, 'getBalance', app)).balance).toBe('0.0700');
    await sendSms(sim, { numbers: numbersFrom(91000000000, 2), content: 'x'.repeat(200) }); // 2 segments, 1 message each
    expect((await queryJson(sim, 'getBalance', '')).balance).toBe('0.0500');
    sim.setFaults({ pricePerSegment: 0.0035, balance: 1_000_000 });
    expect((await queryJson(sim, 'getBalance', '')).balance).toBe('3500.0000');
    expect((await queryJson(sim, 'getBalance', 'appId=other')).status).toBe('-1');
  });
});
