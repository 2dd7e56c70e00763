import { startSimulator, type Simulator } from '../../../src/simulator';
import { waitUntil } from '../../support/wait-for';
import { numbersFrom, sendSms } from '../../support/simulator-client';
import { startReceiver, type ReportReceiver } from '../../support/report-receiver';

let sim: Simulator;
let receiver: ReportReceiver;

beforeEach(async () => {
  receiver = await startReceiver();
  sim = await startSimulator({ port: 0 });
});

afterEach(async () => {
  await sim.close();
  await receiver.close();
});

/** Reports due at once, pushed to the test's receiver. */
function pushNow(more: Parameters<Simulator['setFaults']>[0] = {}): void {
  sim.setFaults({ reportUrl: receiver.url, reportDelayMs: 0, reportDelayJitterMs: 0, ...more });
}

const settled = (what = 'every report settled') => waitUntil(what, () => sim.stats().reportsPending === 0, 10_000, 5);

describe('pushed delivery reports', () => {
  it('pushes one report per message with the documented body, and the ledger counts it', async () => {
    pushNow();
    const answer = await sendSms(sim, { numbers: ['91856321412', '447700900123'], content: 'x'.repeat(200) });
    await settled();

    expect(receiver.received).toHaveLength(2);
    const byMobile = new Map(receiver.reports().map((r) => [r.mobile, r]));
    for (const { msgId, number } of answer.array!) {
      const entry = sim.ledger.byMsgId(msgId)!;
      expect(byMobile.get(number)).toEqual({
        appId: 'sim-app',
        msgid: msgId,
        mobile: number,
        status: 0,
        reason: '0',
        timestamp: entry.reportAt,
        mcc: number.startsWith('91') ? '404' : '234',
        mnc: '-1',
        pricedetail: { pay: '0.0200', currency: 'USD', chargeCnt: 2, price: '0.0100' },
      });
      expect(entry).toMatchObject({ deliveryStatus: 0, deliveryReason: '0', chargeCnt: 2, pay: '0.0200', currency: 'USD', pushes: 1 });
    }
    expect(sim.stats()).toMatchObject({
      delivered: 2,
      undelivered: 0,
      reportsPushed: 2,
      reportsDuplicated: 0,
      reportsWithheld: 0,
      pushFailures: 0,
    });
  });

  it('reports status 1 with a reason for undelivered messages', async () => {
    pushNow({ undeliveredRate: 1 });
    await sendSms(sim, { numbers: numbersFrom(91856321000, 20) });
    await settled();
    for (const r of receiver.reports()) {
      expect(r.status).toBe(1);
      expect(['UNDELIV', 'EXPIRED', 'REJECTD']).toContain(r.reason);
      expect(sim.ledger.byMsgId(r.msgid as string)).toMatchObject({ deliveryStatus: 1, deliveryReason: r.reason });
    }
    expect(sim.stats()).toMatchObject({ delivered: 0, undelivered: 20, reportsPushed: 20 });
  });

  it('waits reportDelayMs plus jitter, which puts reports out of acceptance order', async () => {
    sim.setFaults({ reportUrl: receiver.url, reportDelayMs: 300, reportDelayJitterMs: 400 });
    await sendSms(sim, { numbers: numbersFrom(91856321000, 200) });
    // The due times the simulator chose are data: each between delay and delay + jitter after acceptance.
    for (const e of sim.ledger.entries()) {
      expect(e.reportAt - e.at).toBeGreaterThanOrEqual(300);
      expect(e.reportAt - e.at).toBeLessThanOrEqual(700);
    }
    await settled();
    // No report arrives before its due time: an order of events, which a slow machine only makes later.
    for (const r of receiver.received) {
      expect(r.at).toBeGreaterThanOrEqual(sim.ledger.byMsgId((r.body as { msgid: string }).msgid)!.reportAt);
    }
    const acceptanceOrder = [...sim.ledger.entries()].map((e) => e.msgId);
    const arrivalOrder = receiver.reports().map((r) => r.msgid);
    expect(new Set(arrivalOrder)).toEqual(new Set(acceptanceOrder));
    expect(arrivalOrder).not.toEqual(acceptanceOrder); // 200 messages over 400 ms of jitter: never in order by chance
  });

  it('pushes every report twice at reportDuplicateRate 1', async () => {
    pushNow({ reportDuplicateRate: 1 });
    await sendSms(sim, { numbers: numbersFrom(91856321000, 10) });
    await settled();
    const copies = new Map<string, number>();
    for (const r of receiver.reports()) copies.set(r.msgid as string, (copies.get(r.msgid as string) ?? 0) + 1);
    expect(copies.size).toBe(10);
    for (const [msgId, n] of copies) {
      expect(n).toBe(2);
      expect(sim.ledger.byMsgId(msgId)!.pushes).toBe(2);
    }
    expect(sim.stats()).toMatchObject({ reportsPushed: 20, reportsDuplicated: 10, reportsWithheld: 0 });
  });

  it('pushes nothing at reportLossRate 1 and counts the reports withheld', async () => {
    pushNow({ reportLossRate: 1, reportDuplicateRate: 1 });
    await sendSms(sim, { numbers: numbersFrom(91856321000, 10) });
    await settled();
    expect(receiver.received).toHaveLength(0);
    expect(sim.stats()).toMatchObject({ delivered: 10, reportsPushed: 0, reportsDuplicated: 0, reportsWithheld: 10 });
  });

  it('withholds reports that fall due while reportUrl is null, and does not send them later', async () => {
    sim.setFaults({ reportDelayMs: 0, reportDelayJitterMs: 0 });
    await sendSms(sim, { numbers: numbersFrom(91856321000, 5) });
    await settled();
    sim.setFaults({ reportUrl: receiver.url });
    await sendSms(sim, { numbers: ['91856321999'] });
    await settled();
    expect(receiver.reports().map((r) => r.mobile)).toEqual(['91856321999']);
    expect(sim.stats()).toMatchObject({ reportsWithheld: 5, reportsPushed: 1 });
  });

  it('posts JSON arrays of up to reportBatchSize reports due together', async () => {
    pushNow({ reportBatchSize: 7 });
    await sendSms(sim, { numbers: numbersFrom(91856321000, 50) });
    await settled();
    for (const r of receiver.received) {
      expect(Array.isArray(r.body)).toBe(true);
      expect((r.body as unknown[]).length).toBeLessThanOrEqual(7);
    }
    expect(receiver.received.length).toBeLessThan(50);
    expect(new Set(receiver.reports().map((r) => r.msgid)).size).toBe(50);
    expect(sim.stats().reportsPushed).toBe(50);
  });

  it('counts an answer other than HTTP 200 as a push failure and never retries it', async () => {
    receiver.statusCode = 500;
    pushNow();
    await sendSms(sim, { numbers: numbersFrom(91856321000, 8) });
    await settled();
    expect(receiver.received).toHaveLength(8);
    expect(sim.stats()).toMatchObject({ reportsPushed: 0, pushFailures: 8 });
    expect([...sim.ledger.entries()].every((e) => e.pushes === 0)).toBe(true);
  });

  it('counts a refused connection as a push failure', async () => {
    const url = receiver.url;
    await receiver.close();
    sim.setFaults({ reportUrl: url, reportDelayMs: 0, reportDelayJitterMs: 0 });
    await sendSms(sim, { numbers: numbersFrom(91856321000, 3) });
    await settled();
    expect(sim.stats()).toMatchObject({ reportsPushed: 0, pushFailures: 3 });
    receiver = await startReceiver(); // for afterEach
  });

  it('pushes 20,000 reports, each once', async () => {
    pushNow();
    for (let first = 0; first < 20_000; first += 1000) await sendSms(sim, { numbers: numbersFrom(91800000000 + first, 1000) });
    // A bound for a machine busy with other suites, not a speed requirement: that is the bench's business.
    await waitUntil('20,000 reports pushed', () => sim.stats().reportsPushed === 20_000, 150_000, 5);
    expect(receiver.received).toHaveLength(20_000);
    expect(new Set(receiver.reports().map((r) => r.msgid)).size).toBe(20_000);
  }, 180_000);

  it('stops pushing on reset and on close, even with a push hanging', async () => {
    receiver.hang = true;
    pushNow();
    await sendSms(sim, { numbers: ['91856321412'] });
    await waitUntil('the first report pushed', () => receiver.received.length === 1, 5_000, 5);
    sim.setFaults({ reportDelayMs: 60_000 });
    await sendSms(sim, { numbers: numbersFrom(91856321500, 100) });
    expect(sim.stats().reportsPending).toBe(101);
    const stats = await (await fetch(`http://127.0.0.1:${sim.port}/__sim/reset`, { method: 'POST' })).json();
    expect(stats).toMatchObject({ reportsPending: 0, reportsPushed: 0, pushFailures: 0 });

    await sendSms(sim, { numbers: numbersFrom(91856321600, 100) });
    // close() resolves though a push hangs and 100 reports wait a minute: it waits for neither.
    await sim.close();
    expect(sim.stats()).toMatchObject({ pushFailures: 0, reportsPending: 100 });
  });
});

describe('charges and stats', () => {
  it('charges GSM-7 texts per 160/153 septets and others per 70/67 units, and sums the cost exactly', async () => {
    sim.setFaults({ pricePerSegment: 0.0035, currency: 'EUR' });
    const cases: Array<[string, number]> = [
      ['x'.repeat(160), 1],
      ['x'.repeat(161), 2],
      ['x'.repeat(306), 2],
      ['x'.repeat(307), 3],
      ['{'.repeat(80), 1], // extension characters take two septets
      ['{'.repeat(81), 2],
      ['й'.repeat(70), 1],
      ['й'.repeat(71), 2],
      ['😀'.repeat(35), 1], // two UTF-16 units each
      ['😀'.repeat(36), 2],
    ];
    let number = 91856321000;
    for (const [content, segments] of cases) {
      const { array } = await sendSms(sim, { numbers: [String(number++)], content });
      expect({ content: `${content[0]} × ${[...content].length}`, chargeCnt: sim.ledger.byMsgId(array![0].msgId)!.chargeCnt }).toEqual({
        content: `${content[0]} × ${[...content].length}`,
        chargeCnt: segments,
      });
    }
    // 17 segments × 0.0035, plus 1000 messages of one segment: 0.0595 + 3.5, exact to the last digit.
    await sendSms(sim, { numbers: numbersFrom(91000000000, 1000) });
    expect(sim.stats().cost).toEqual({ EUR: '3.5595' });
    expect(sim.ledger.byMsgId([...sim.ledger.entries()][2].msgId)).toMatchObject({ price: '0.0035', pay: '0.0070', currency: 'EUR' });
  });

  it('keeps delivered + undelivered equal to accepted, and the cost per currency', async () => {
    sim.setFaults({ undeliveredRate: 0.5 });
    await sendSms(sim, { numbers: numbersFrom(91000000000, 1000) });
    sim.setFaults({ currency: 'EUR', pricePerSegment: 0.02 });
    await sendSms(sim, { numbers: numbersFrom(91000001000, 10) });
    const stats = sim.stats();
    expect(stats.delivered + stats.undelivered).toBe(stats.accepted);
    expect(stats.undelivered).toBeGreaterThan(400);
    expect(stats.undelivered).toBeLessThan(600);
    expect(stats.cost).toEqual({ USD: '10.0000', EUR: '0.2000' });
  });

  it('refuses report settings out of range, naming each', () => {
    const bad = { reportUrl: 'ftp://x', reportDelayMs: -1, pricePerSegment: 0.00001, currency: 'usd', reportBatchSize: 0, queryStatus: '' };
    expect(() => sim.setFaults(bad)).toThrow(RangeError);
    try {
      sim.setFaults(bad);
    } catch (err) {
      for (const name of Object.keys(bad)) expect((err as Error).message).toContain(`${name} must be`);
    }
    expect(sim.faults()).toMatchObject({ reportUrl: null, pricePerSegment: 0.01, currency: 'USD', reportBatchSize: 1 });
  });
});
