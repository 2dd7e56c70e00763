import type { LedgerEntry } from '../../../src/simulator';
import { startSimulator, type Simulator } from '../../../src/simulator';
import { control, numbersFrom, sendSms } from '../../support/simulator-client';

let sim: Simulator;

beforeEach(async () => {
  sim = await startSimulator({ port: 0 });
});

afterEach(async () => {
  await sim.close();
});

describe('control routes', () => {
  it('GET /__sim/stats counts calls by status, adding up to calls', async () => {
    await sendSms(sim, { numbers: numbersFrom(98000000000, 3) });
    await sendSms(sim, { numbers: [], content: 'x' });
    sim.setFaults({ http500Rate: 1 });
    await (await fetch(`${sim.baseUrl}/sendSms`, { method: 'POST', body: '{}' })).text();

    const stats = await (await control(sim, 'GET', 'stats')).json();
    expect(stats).toEqual({
      calls: 3,
      callsByStatus: { '0': 1, '-8': 1, 'http:500': 1 },
      accepted: 3,
      duplicates: 0,
      refused: 0,
      hung: 0,
      reset: 0,
      garbage: 0,
      delivered: 3,
      undelivered: 0,
      cost: { USD: '0.0300' },
      reportsPushed: 0,
      reportsDuplicated: 0,
      reportsWithheld: 0,
      pushFailures: 0,
      reportsPending: 3,
      queries: {},
    });
  });

  it('GET and POST /__sim/faults read and change faults, with null for an unlimited balance', async () => {
    const before = await (await control(sim, 'GET', 'faults')).json();
    expect(before).toMatchObject({ transientRate: 0, balance: null, maxTimestampDriftSeconds: 1800 });

    const after = await (await control(sim, 'POST', 'faults', { transientRate: 1, balance: 7 })).json();
    expect(after).toMatchObject({ transientRate: 1, balance: 7 });
    expect(sim.faults()).toMatchObject({ transientRate: 1, balance: 7 });
    expect((await sendSms(sim, { numbers: ['98000000000'] })).status).toBe('-18');

    await control(sim, 'POST', 'faults', { balance: null });
    expect(sim.faults().balance).toBe(Infinity);
  });

  it('POST /__sim/faults answers 400 naming a bad field and keeps the old faults', async () => {
    const res = await control(sim, 'POST', 'faults', { hangRate: 'often' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { reason: string }).reason).toMatch(/hangRate must be a number from 0 to 1/);
    expect(sim.faults().hangRate).toBe(0);
    const notJson = await control(sim, 'POST', 'faults', '{oops');
    expect(notJson.status).toBe(400);
    await notJson.text();
  });

  it('POST /__sim/top-up adds to the balance', async () => {
    sim.setFaults({ balance: 1 });
    expect(await (await control(sim, 'POST', 'top-up', { messages: 4 })).json()).toEqual({ balance: 5 });
    expect(sim.faults().balance).toBe(5);
    const bad = await control(sim, 'POST', 'top-up', { messages: -1 });
    expect(bad.status).toBe(400);
    await bad.text();
  });

  it('GET /__sim/ledger streams every entry as NDJSON', async () => {
    const first = await sendSms(sim, { numbers: numbersFrom(98100000000, 1000), content: 'one' });
    const second = await sendSms(sim, { numbers: numbersFrom(98100001000, 500), content: 'one' });
    await sendSms(sim, { numbers: ['98100000000'], orderIds: ['again'], content: 'one' });

    const res = await control(sim, 'GET', 'ledger');
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const entries = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as LedgerEntry);
    expect(entries).toHaveLength(1501);
    expect(entries).toEqual([...sim.ledger.entries()]);
    expect(entries[1500]).toMatchObject({ number: '98100000000', orderId: 'again', content: 'one', senderId: '' });
    const answered = [...first.array!, ...second.array!].map((e) => e.msgId);
    expect(new Set(entries.map((e) => e.msgId))).toEqual(new Set([...answered, entries[1500].msgId]));
    expect(sim.ledger.duplicates()).toBe(1);
  });

  it('POST /__sim/reset clears the ledger and stats, while msgIds stay unique', async () => {
    const before = await sendSms(sim, { numbers: ['98200000000'] });
    const stats = await (await control(sim, 'POST', 'reset')).json();
    expect(stats).toMatchObject({ calls: 0, accepted: 0, callsByStatus: {} });
    expect(sim.ledger.size).toBe(0);
    expect(sim.ledger.countFor('98200000000')).toBe(0);

    const after = await sendSms(sim, { numbers: ['98200000000'] });
    expect(after.array![0].msgId).not.toBe(before.array![0].msgId);
    expect(sim.ledger.duplicates()).toBe(0);
    expect(sim.ledger.byMsgId(after.array![0].msgId)?.number).toBe('98200000000');
    expect(sim.ledger.byMsgId(before.array![0].msgId)).toBeUndefined();
  });

  it('answers 404 JSON to an unknown control route', async () => {
    const res = await control(sim, 'GET', 'nothing');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 404 });
  });
});
