import { createLogger } from '../../../src/shared/logger';
import { parseAccounts, SIMULATOR_CREDENTIALS, type Config } from '../../../src/shared/config';
import { GatewayQueries } from '../../../src/shared/gateway/queries';
import { startSimulator, type Simulator, type SimulatorAccount } from '../../../src/simulator';
import type { LedgerEntry } from '../../../src/simulator';
import { startReceiver } from '../../support/report-receiver';
import { control, numbersFrom, post, sendSms, type Call, type Target } from '../../support/simulator-client';
import { waitUntil } from '../../support/wait-for';

/** Each named account's own credentials; the unnamed account keeps the simulator's defaults. */
const CREDENTIALS = {
  a: { apiKey: 'key-a', apiSecret: 'secret-a', appId: 'app-a' },
  b: { apiKey: 'key-b', apiSecret: 'secret-b', appId: 'app-b' },
} as const;

let sim: Simulator;
let a: SimulatorAccount;
let b: SimulatorAccount;
const opened: GatewayQueries[] = [];

beforeEach(async () => {
  sim = await startSimulator({
    port: 0,
    accounts: [
      { name: 'a', ...CREDENTIALS.a },
      { name: 'b', ...CREDENTIALS.b },
    ],
  });
  a = sim.account('a');
  b = sim.account('b');
});

afterEach(async () => {
  for (const q of opened.splice(0)) q.close();
  await sim.close();
});

/** sendSms to an account, signed with its own credentials unless the call says otherwise. */
function send(account: SimulatorAccount, call: Call) {
  return sendSms(account, { ...CREDENTIALS[account.name as 'a' | 'b'], ...call });
}

/** The real query client, pointed at an account as an SMS_ACCOUNTS entry would point it. */
function queriesOf(account: SimulatorAccount): GatewayQueries {
  const gateway: Config['gateway'] = {
    ...SIMULATOR_CREDENTIALS,
    ...CREDENTIALS[account.name as 'a' | 'b'],
    baseUrl: account.baseUrl,
    connectTimeoutMs: 1000,
    responseTimeoutMs: 20_000,
  };
  const q = new GatewayQueries(gateway, createLogger('silent'));
  opened.push(q);
  return q;
}

async function ledgerOf(target: Target): Promise<LedgerEntry[]> {
  const text = await (await control(target, 'GET', 'ledger')).text();
  return text === ''
    ? []
    : text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as LedgerEntry);
}

describe('a simulator with named accounts', () => {
  it('serves each named account under /accounts/<name>/sms and lists them', () => {
    expect(sim.accounts()).toEqual(['a', 'b']);
    expect(a.baseUrl).toBe(`http://127.0.0.1:${sim.port}/accounts/a/sms`);
    expect(b.baseUrl).toBe(`http://127.0.0.1:${sim.port}/accounts/b/sms`);
    expect(sim.baseUrl).toBe(`http://127.0.0.1:${sim.port}/sms`);
    expect(() => sim.account('c')).toThrow(/no simulated account "c" \(named accounts: a, b\)/);
  });

  it("lands each account's sendSms in its own ledger only, each counting its msgIds from the same start", async () => {
    const toA = await send(a, { numbers: numbersFrom(91000000000, 3), content: 'for a' });
    const toB = await send(b, { numbers: numbersFrom(92000000000, 2), content: 'for b' });
    const toDefault = await sendSms(sim, { numbers: numbersFrom(93000000000, 1), content: 'for the unnamed' });
    for (const answer of [toA, toB, toDefault]) expect(answer.status).toBe('0');

    expect([...a.ledger.entries()].map((e) => e.number).sort()).toEqual(numbersFrom(91000000000, 3));
    expect([...b.ledger.entries()].map((e) => e.number).sort()).toEqual(numbersFrom(92000000000, 2));
    expect([...sim.ledger.entries()].map((e) => e.number)).toEqual(['93000000000']);
    expect((await ledgerOf(a)).map((e) => e.content)).toEqual(['for a', 'for a', 'for a']);
    expect((await ledgerOf(b)).map((e) => e.content)).toEqual(['for b', 'for b']);
    expect((await ledgerOf(sim)).map((e) => e.content)).toEqual(['for the unnamed']);

    // msgIds are unique within an account only (docs/accounts.md): in one second, two accounts answer the same ones.
    const counters = (answer: typeof toA) => answer.array!.map((e) => e.msgId.slice(12)).sort();
    expect([counters(toA), counters(toB), counters(toDefault)]).toEqual([
      ['1000000', '1000001', '1000002'],
      ['1000000', '1000001'],
      ['1000000'],
    ]);
    expect([a.stats().accepted, b.stats().accepted, sim.stats().accepted]).toEqual([3, 2, 1]);
  });

  it("refuses, as a bad credential (-1), a call to b's path signed with a's credentials or naming a's appId", async () => {
    expect((await sendSms(b, { numbers: ['92000000000'], ...CREDENTIALS.a })).status).toBe('-1');
    expect((await sendSms(b, { numbers: ['92000000000'], ...CREDENTIALS.b, appId: CREDENTIALS.a.appId })).status).toBe('-1');
    expect((await sendSms(b, { numbers: ['92000000000'] })).status).toBe('-1'); // the unnamed account's defaults
    expect((await sendSms(sim, { numbers: ['93000000000'], ...CREDENTIALS.a })).status).toBe('-1');
    expect(b.ledger.size + sim.ledger.size).toBe(0);
    expect(b.stats().callsByStatus).toEqual({ '-1': 3 });
    expect(a.stats().calls).toBe(0);
  });

  it('answers -10 from a once its balance is spent while b keeps accepting, and a top-up of a lets it send again', async () => {
    a.setFaults({ balance: 3 });
    expect((await send(a, { numbers: numbersFrom(91000000000, 2) })).status).toBe('0');
    expect((await send(a, { numbers: numbersFrom(91000000002, 2) })).status).toBe('-10');
    expect((await send(b, { numbers: numbersFrom(92000000000, 5) })).status).toBe('0');
    expect((await sendSms(sim, { numbers: numbersFrom(93000000000, 5) })).status).toBe('0');
    expect([a.faults().balance, b.faults().balance, sim.faults().balance]).toEqual([1, Infinity, Infinity]);
    expect(await queriesOf(a).getBalance()).toEqual({ ok: true, value: { balance: '0.0100', gift: '0', credit: '0' } });

    expect(await (await control(a, 'POST', 'top-up', { messages: 1 })).json()).toEqual({ balance: 2 });
    expect((await send(a, { numbers: numbersFrom(91000000002, 2) })).status).toBe('0');
    expect([a.ledger.size, b.ledger.size, sim.ledger.size]).toEqual([4, 5, 5]);
  });

  it('keeps faults set on a through /__sim/accounts/a/faults away from b and the unnamed account', async () => {
    const set = await control(a, 'POST', 'faults', { transientRate: 1, balance: 7 });
    expect(await set.json()).toMatchObject({ transientRate: 1, balance: 7 });
    expect(a.faults()).toMatchObject({ transientRate: 1, balance: 7 });
    expect(await (await control(b, 'GET', 'faults')).json()).toMatchObject({ transientRate: 0, balance: null });
    expect(await (await control(sim, 'GET', 'faults')).json()).toMatchObject({ transientRate: 0, balance: null });

    expect((await send(a, { numbers: ['91000000000'] })).status).toBe('-18');
    expect((await send(b, { numbers: ['92000000000'] })).status).toBe('0');
    expect((await sendSms(sim, { numbers: ['93000000000'] })).status).toBe('0');

    const bad = await control(b, 'POST', 'faults', { hangRate: 'often' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { reason: string }).reason).toMatch(/hangRate must be a number from 0 to 1/);
  });

  it('answers getReport and getSentRcd of each account from its own messages only', async () => {
    const start = new Date(Date.now() - 1000);
    const ofA = (await send(a, { numbers: numbersFrom(91000000000, 2) })).array!.map((e) => e.msgId);
    const ofB = (await send(b, { numbers: numbersFrom(92000000000, 3) })).array!.map((e) => e.msgId);
    const ofDefault = (await sendSms(sim, { numbers: ['93000000000'] })).array!.map((e) => e.msgId);
    const end = new Date(Date.now() + 1000);

    // A msgId of b's may also be one of a's (same second, same counter): each account answers from its own ledger.
    const reportA = await queriesOf(a).getReport([...ofA, ...ofB, ...ofDefault]);
    if (!reportA.ok) throw new Error(`getReport failed: ${JSON.stringify(reportA)}`);
    expect(reportA.value.records.map((r) => r.number).sort()).toEqual(numbersFrom(91000000000, 2));
    const reportB = await queriesOf(b).getReport([...ofA, ...ofB]);
    if (!reportB.ok) throw new Error(`getReport failed: ${JSON.stringify(reportB)}`);
    expect(reportB.value.records.map((r) => r.number).sort()).toEqual(numbersFrom(92000000000, 3));

    for (const [account, numbers] of [
      [a, numbersFrom(91000000000, 2)],
      [b, numbersFrom(92000000000, 3)],
    ] as const) {
      const sent = await queriesOf(account).getSentRcd({ start, end, startIndex: 0 });
      if (!sent.ok) throw new Error(`getSentRcd failed: ${JSON.stringify(sent)}`);
      expect(sent.value.records.map((r) => r.number).sort()).toEqual(numbers);
    }
    expect(a.stats().queries).toEqual({ getReport: { '0': 1 }, getSentRcd: { '0': 1 } });
    expect(sim.stats().queries).toEqual({});
  });

  it("pushes each account's reports to its own reportUrl with its own appId", async () => {
    const [toA, toB] = [await startReceiver(), await startReceiver()];
    try {
      a.setFaults({ reportUrl: toA.url, reportDelayMs: 0, reportDelayJitterMs: 0 });
      b.setFaults({ reportUrl: toB.url, reportDelayMs: 0, reportDelayJitterMs: 0, undeliveredRate: 1 });
      await send(a, { numbers: numbersFrom(91000000000, 2) });
      await send(b, { numbers: numbersFrom(92000000000, 1) });
      // A push counts once its receiver has answered: wait for the simulator's counts as well as the receivers'.
      await waitUntil(
        'the reports of both accounts, received and counted',
        () => toA.received.length === 2 && toB.received.length === 1 && a.stats().reportsPushed === 2 && b.stats().reportsPushed === 1,
        10_000,
        20,
      );
      expect(
        toA
          .reports()
          .map((r) => [r.appId, r.mobile, r.status])
          .sort(),
      ).toEqual([
        ['app-a', '91000000000', 0],
        ['app-a', '91000000001', 0],
      ]);
      expect(toB.reports().map((r) => [r.appId, r.mobile, r.status])).toEqual([['app-b', '92000000000', 1]]);
      expect([a.stats().reportsPushed, b.stats().reportsPushed, sim.stats().reportsPushed]).toEqual([2, 1, 0]);
    } finally {
      await toA.close();
      await toB.close();
    }
  });

  it("keeps replies, stats and reset of each account's control routes to that account", async () => {
    const injected = await control(a, 'POST', 'replies', { number: '91000000000', content: 'STOP' });
    expect(await injected.json()).toMatchObject({ injected: 1 });
    const hour = 3_600_000;
    const window = { start: new Date(Date.now() - hour), end: new Date(Date.now() + 60_000), current: 1, size: 100 };
    expect(await queriesOf(a).recordMo(window)).toMatchObject({
      ok: true,
      value: { records: [expect.objectContaining({ content: 'STOP' })] },
    });
    expect(await queriesOf(b).recordMo(window)).toMatchObject({ ok: true, value: { records: [] } });

    await send(a, { numbers: ['91000000000'] });
    await send(b, { numbers: ['92000000000'] });
    expect(await (await control(a, 'GET', 'stats')).json()).toMatchObject({ calls: 1, accepted: 1 });
    expect(await (await control(a, 'POST', 'reset')).json()).toMatchObject({ calls: 0, accepted: 0 });
    expect([a.ledger.size, b.ledger.size]).toEqual([0, 1]);
    expect(b.stats()).toMatchObject({ calls: 1, accepted: 1 });
  });

  it('answers HTTP 404 naming the accounts to a path under /accounts/ or /__sim/accounts/ that names none', async () => {
    const unknown = /^no simulated account "c" \(named accounts: a, b\)$/;
    for (const [path, reason] of [
      ['/accounts/c/sms/sendSms', unknown],
      ['/__sim/accounts/c/stats', unknown],
      ['/accounts/a/sms/nothing', /^no route POST \/sms\/nothing$/],
      ['/__sim/accounts/a/nothing', /^no control route GET \/__sim\/accounts\/a\/nothing$/],
    ] as const) {
      const res = path.startsWith('/__sim/')
        ? await fetch(`http://127.0.0.1:${sim.port}${path}`)
        : await post(sim, { path, numbers: ['91000000000'], ...CREDENTIALS.a });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { reason: string }).reason).toMatch(reason);
    }
    expect(a.stats().calls + sim.stats().calls).toBe(0);
  });

  it('reaches a named account through an SMS_ACCOUNTS entry of its baseUrl alone, as for a local simulator', async () => {
    const simulator = await startSimulator({ port: 0, accounts: [{ name: 'spare' }] });
    try {
      const problems: string[] = [];
      const [entry] = parseAccounts([{ name: 'spare', baseUrl: simulator.account('spare').baseUrl }], 'SMS_ACCOUNTS', problems);
      expect(problems).toEqual([]);
      const { baseUrl, apiKey, apiSecret, appId } = entry;
      const q = new GatewayQueries(
        { baseUrl, apiKey, apiSecret, appId, connectTimeoutMs: 1000, responseTimeoutMs: 20_000 },
        createLogger('silent'),
      );
      opened.push(q);
      expect(await q.getBalance()).toMatchObject({ ok: true });
      expect(simulator.account('spare').stats().queries).toEqual({ getBalance: { '0': 1 } });
    } finally {
      await simulator.close();
    }
  });

  it.each([
    ['a name that does not match ACCOUNT_NAME', [{ name: 'A' }], /must match/],
    ['the name default', [{ name: 'default' }], /"default" is taken/],
    ['a name given twice', [{ name: 'a' }, { name: 'a' }], /"a" is given twice/],
    ['33 accounts', Array.from({ length: 33 }, (_, i) => ({ name: `n${i}` })), /at most 32 named accounts, not 33/],
    [
      'bad faults, naming the account',
      [{ name: 'a', faults: { transientRate: 2 } }],
      /simulator account "a": Invalid faults: transientRate must be/,
    ],
  ])('refuses %s before it listens', async (_case, accounts, message) => {
    await expect(startSimulator({ port: 0, accounts })).rejects.toThrow(message);
  });
});
