/**
 * GET /v1/accounts and POST /v1/accounts/:name/resume over real Redis and simulated gateway accounts: each account's
 * state as the workers recorded it (AccountStates), its balance from its own gateway (or why it is unavailable), no
 * credentials in the answer; resuming one account; the /metrics gauges of the same states; 503 while Redis is down.
 */
import { useCampaignStack } from '../../support/campaigns';
import { waitFor } from '../../support/env';
import { parseMetrics, total } from '../../support/prometheus';
import { OwnRedis } from '../../support/redis-server';
import { BEARER, errorCode, openApp } from '../../support/server';

const KEY_A = 'key-of-account-a-0123456789';
const SECRET_A = 'secret-of-account-a-0123456789';

const stack = useCampaignStack('accounts-api', {
  app: 'inject',
  simulator: {
    accounts: [
      { name: 'a', apiKey: KEY_A, apiSecret: SECRET_A, appId: 'app-a' },
      { name: 'b', faults: { balance: 0 } },
    ],
  },
  env: () => ({
    SMS_BREAKER_FAILURES: '3',
    SMS_ACCOUNTS: JSON.stringify(accountsVariable()),
  }),
});

function accountsVariable() {
  return [
    {
      name: 'a',
      baseUrl: stack.sim.account('a').baseUrl,
      apiKey: KEY_A,
      apiSecret: SECRET_A,
      appId: 'app-a',
      prefixes: ['44'],
      maxRate: 500,
    },
    { name: 'b', baseUrl: stack.sim.account('b').baseUrl, priority: 1, weight: 2, senderIds: ['Shop'] },
    // Port 9 (discard): nothing answers its getBalance.
    { name: 'c', baseUrl: 'http://127.0.0.1:9/sms', countries: ['GB'] },
  ];
}

const STOP = { code: '-10', reason: 'balance insufficient', operatorAction: 'top up the account', at: Date.parse('2026-12-07T09:00:00Z') };

beforeEach(async () => {
  await stack.ctx.accountStates.stop('b', STOP);
  for (let i = 0; i < 3; i++) await stack.ctx.accountStates.failure('c');
});
afterEach(() => stack.ctx.accountStates.clear());

const get = (url: string) => stack.server.app.inject({ method: 'GET', url, headers: BEARER });
const resume = (name: string) => stack.server.app.inject({ method: 'POST', url: `/v1/accounts/${name}/resume`, headers: BEARER });

interface AccountBody {
  name: string;
  state: string;
  stop: unknown;
  breaker: { failures: number; probeAt?: string };
  balance?: { balance: string; available: string };
  balanceUnavailable?: string;
}

describe('GET /v1/accounts', () => {
  it("answers every account's state, balance, limits and routing, and no credentials", async () => {
    const res = await get('/v1/accounts');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(KEY_A);
    expect(res.body).not.toContain(SECRET_A);
    const { accounts } = res.json<{ accounts: AccountBody[] }>();
    expect(accounts).toEqual([
      {
        name: 'a',
        gateway: new URL(stack.sim.baseUrl).origin,
        state: 'ok',
        stop: null,
        breaker: { failures: 0 },
        balance: expect.objectContaining({ balance: expect.any(String), available: expect.any(String) }),
        maxRate: 500,
        priority: 0,
        weight: 1,
        prefixes: ['44'],
        countries: [],
        senderIds: [],
      },
      expect.objectContaining({
        name: 'b',
        state: 'stopped',
        stop: { ...STOP, at: '2026-12-07T09:00:00.000Z' },
        balance: expect.objectContaining({ available: '0.00' }),
        priority: 1,
        weight: 2,
        senderIds: ['Shop'],
      }),
      expect.objectContaining({
        name: 'c',
        state: 'open',
        breaker: { failures: 3, probeAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) },
        balanceUnavailable: expect.stringMatching(/^getBalance failed: .*ECONNREFUSED/),
        countries: ['GB'],
      }),
    ]);
    expect(accounts[2]).not.toHaveProperty('balance');
  });

  it('leaves the balances out with balance=false, and refuses a parameter it does not know', async () => {
    const { accounts } = (await get('/v1/accounts?balance=false')).json<{ accounts: AccountBody[] }>();
    expect(accounts.map((a) => [a.name, a.state, 'balance' in a || 'balanceUnavailable' in a])).toEqual([
      ['a', 'ok', false],
      ['b', 'stopped', false],
      ['c', 'open', false],
    ]);
    expect(errorCode(await get('/v1/accounts?balance=maybe'))).toBe('BAD_REQUEST');
    expect(errorCode(await get('/v1/accounts?verbose=true'))).toBe('BAD_REQUEST');
  });
});

describe('POST /v1/accounts/:name/resume', () => {
  it("clears that account's stop or breaker, and answers what it cleared", async () => {
    const b = await resume('b');
    expect(b.statusCode).toBe(200);
    expect(b.json()).toEqual({
      name: 'b',
      cleared: { stop: { ...STOP, at: '2026-12-07T09:00:00.000Z' }, failures: 0, breakerOpen: false },
    });
    const states = await stack.ctx.accountStates.read(true);
    expect(states.get('b')).toEqual({ stop: null, failures: 0, openUntil: 0 });
    // The other accounts' states are theirs: c's breaker is still open until c is resumed.
    expect(states.get('c')).toMatchObject({ failures: 3, openUntil: expect.any(Number) });
    expect((await resume('c')).json()).toEqual({ name: 'c', cleared: { stop: null, failures: 3, breakerOpen: true } });
    const { accounts } = (await get('/v1/accounts?balance=false')).json<{ accounts: AccountBody[] }>();
    expect(accounts.map((a) => a.state)).toEqual(['ok', 'ok', 'ok']);
  });

  it('answers 404 ACCOUNT_NOT_FOUND for a name not configured, listing those that are, and changes nothing', async () => {
    for (const name of ['zz', 'default', 'x'.repeat(100)]) {
      const res = await resume(name);
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toMatchObject({ code: 'ACCOUNT_NOT_FOUND', details: { configured: ['a', 'b', 'c'] } });
    }
    expect((await stack.ctx.accountStates.read(true)).get('b')?.stop).toEqual(STOP);
  });
});

it("shows each account's stop and breaker in /metrics, as the list does", async () => {
  const scrape = async () => parseMetrics((await get('/metrics')).body);
  const before = await scrape();
  expect(['a', 'b', 'c'].map((account) => total(before, 'smsq_account_up', { account }))).toEqual([1, 0, 1]);
  expect(['a', 'b', 'c'].map((account) => total(before, 'smsq_account_breaker_open', { account }))).toEqual([0, 0, 1]);
  await resume('b');
  await resume('c');
  const after = await scrape();
  expect(['a', 'b', 'c'].map((account) => total(after, 'smsq_account_up', { account }))).toEqual([1, 1, 1]);
  expect(['a', 'b', 'c'].map((account) => total(after, 'smsq_account_breaker_open', { account }))).toEqual([0, 0, 0]);
});

it('answers 503 REDIS_UNAVAILABLE while Redis is down', async () => {
  const redis = new OwnRedis(20_000 + Math.floor(Math.random() * 10_000));
  await redis.start();
  const cut = await openApp(stack.configWith(redis.env));
  try {
    await redis.stop();
    for (const [method, url] of [
      ['GET', '/v1/accounts?balance=false'],
      ['POST', '/v1/accounts/a/resume'],
    ] as const) {
      const res = await cut.app.inject({ method, url, headers: BEARER });
      expect(res.statusCode).toBe(503);
      expect(errorCode(res)).toBe('REDIS_UNAVAILABLE');
    }
    // Back up before closing, so that the app's connection closes rather than waits to reconnect.
    await redis.start();
    await waitFor('the server to reconnect', async () =>
      (await cut.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200 ? true : undefined,
    );
  } finally {
    await cut.close();
    await redis.destroy();
  }
});
