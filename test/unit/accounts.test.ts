/**
 * Gateway accounts without Redis: SMS_ACCOUNTS as read and refused, the Router's order of accounts for a number,
 * outcomes naming their account, and one run's routing (RunRoutes): fallbacks, stops and open breakers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accountOf, withAccount } from '../../src/shared/accounts/outcome-account';
import { Router } from '../../src/shared/accounts/routing';
import { readConfig, type GatewayAccount, type GatewayConfig } from '../../src/shared/config';
import { defaultAccount } from '../../src/shared/config/accounts';
import type { AccountView } from '../../src/shared/accounts/account-state';
import { createLogger } from '../../src/shared/logger';
import { RunRoutes } from '../../src/worker/run-routes';

const BASE = { SMS_API_BASE_URL: 'http://127.0.0.1:9/sms' };

function accountsOf(env: Record<string, string>): GatewayAccount[] | string[] {
  const r = readConfig({ ...BASE, ...env });
  return r.ok ? [...r.config.accounts] : r.problems;
}

function account(name: string, more: Partial<GatewayAccount> = {}): GatewayAccount {
  const gateway = { baseUrl: `http://127.0.0.1:9/${name}`, apiKey: 'k', apiSecret: 's', appId: 'a' } as GatewayConfig;
  return { ...defaultAccount(gateway), name, ...more };
}

describe('SMS_ACCOUNTS', () => {
  it('makes one account named default from SMS_API_* when unset', () => {
    expect(accountsOf({})).toMatchObject([{ name: 'default', baseUrl: 'http://127.0.0.1:9/sms', priority: 0, weight: 1 }]);
  });

  it('reads accounts with their defaults, from the variable or from a file', () => {
    const json = JSON.stringify([
      { name: 'a', baseUrl: 'https://gw.example.com/sms/', apiKey: 'k', apiSecret: 's', appId: 'x', prefixes: ['44'], maxRate: 100 },
      { name: 'b', baseUrl: 'http://127.0.0.1:4010/sms', countries: ['gb'], senderIds: ['SHOP'], priority: 1, weight: 3 },
    ]);
    const inline = accountsOf({ SMS_ACCOUNTS: json });
    expect(inline).toMatchObject([
      { name: 'a', baseUrl: 'https://gw.example.com/sms', prefixes: ['44'], countries: [], maxRate: 100, priority: 0, weight: 1 },
      // A local base URL needs no credentials, as SMS_API_* do not: the simulator's are used.
      { name: 'b', apiKey: 'sim-key', countries: ['GB'], senderIds: ['SHOP'], priority: 1, weight: 3 },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'smsq-accounts-'));
    writeFileSync(join(dir, 'accounts.json'), json);
    expect(accountsOf({ SMS_ACCOUNTS_FILE: join(dir, 'accounts.json') })).toEqual(inline);
  });

  it.each([
    ['not JSON', '[{', /SMS_ACCOUNTS is not JSON/],
    ['not an array', '{}', /must be a JSON array of one or more accounts/],
    ['empty', '[]', /must be a JSON array of one or more accounts/],
    ['a bad name', '[{"name":"A B","baseUrl":"http://127.0.0.1:1"}]', /account #1, field name: must match/],
    [
      'a duplicate name',
      '[{"name":"a","baseUrl":"http://127.0.0.1:1"},{"name":"a","baseUrl":"http://127.0.0.1:2"}]',
      /account "a", field name: a second account/,
    ],
    [
      'a remote account without credentials',
      '[{"name":"a","baseUrl":"https://gw.example.com"}]',
      /account "a", field apiKey: must be a string/,
    ],
    [
      'the reserved name default',
      '[{"name":"default","baseUrl":"http://127.0.0.1:1"}]',
      /account "default", field name: "default" is the account SMS_API_\* make/,
    ],
    ['a bad URL', '[{"name":"a","baseUrl":"ftp://x"}]', /account "a", field baseUrl: must be an http or https URL/],
    ['an unknown field', '[{"name":"a","baseUrl":"http://127.0.0.1:1","prefix":["44"]}]', /account "a", field prefix: unknown field/],
    ['a prefix with +', '[{"name":"a","baseUrl":"http://127.0.0.1:1","prefixes":["+44"]}]', /account "a", field prefixes/],
    [
      'a weight of 0',
      '[{"name":"a","baseUrl":"http://127.0.0.1:1","weight":0}]',
      /account "a", field weight: must be a whole number from 1/,
    ],
  ])('refuses %s, naming the account and the field', (_what, json, problem) => {
    const problems = accountsOf({ SMS_ACCOUNTS: json }) as string[];
    expect(problems.some((p) => problem.test(p))).toBe(true);
  });

  it('refuses both variables at once, and a file it cannot read', () => {
    expect(accountsOf({ SMS_ACCOUNTS: '[]', SMS_ACCOUNTS_FILE: '/x' })).toContain('set SMS_ACCOUNTS or SMS_ACCOUNTS_FILE, not both');
    expect((accountsOf({ SMS_ACCOUNTS_FILE: '/nonexistent/accounts.json' }) as string[])[0]).toMatch(/cannot be read: ENOENT/);
  });

  it("never lets an account's secret reach a log line, whether an account, the list or the whole configuration is logged", () => {
    const lines: string[] = [];
    const log = createLogger('info', 'unit', { write: (l: string) => void lines.push(l) });
    const r = readConfig({
      ...BASE,
      SMS_ACCOUNTS: '[{"name":"a","baseUrl":"https://gw.example.com","apiKey":"k","apiSecret":"SECRET-9","appId":"x"}]',
    });
    if (!r.ok) throw new Error(r.problems.join('; '));
    log.info({ account: r.config.accounts[0] }, 'one');
    log.info({ accounts: r.config.accounts }, 'list');
    log.info({ config: r.config }, 'config');
    expect(lines).toHaveLength(3);
    expect(lines.join('')).not.toContain('SECRET-9');
  });

  it('never puts a secret into a problem', () => {
    const problems = accountsOf({
      SMS_ACCOUNTS: '[{"name":"a","baseUrl":"https://gw.example.com","apiKey":"KEY-123","apiSecret":"","appId":"x"}]',
    });
    expect(JSON.stringify(problems)).not.toContain('KEY-123');
  });
});

describe('Router', () => {
  it('routes by prefix, then country, and lists every eligible account by priority', () => {
    const r = new Router([account('uk', { prefixes: ['44'] }), account('de', { countries: ['DE'] }), account('any', { priority: 5 })]);
    expect(r.route('447700900123')).toEqual(['uk', 'any']);
    expect(r.route('4915112345678')).toEqual(['de', 'any']);
    expect(r.route('33612345678')).toEqual(['any']);
  });

  it('keeps to the sender IDs an account takes and to the accounts a campaign pins', () => {
    const r = new Router([
      account('shop', { senderIds: ['SHOP'] }),
      account('alerts', { senderIds: ['ALERTS'] }),
      account('open', { priority: 1 }),
    ]);
    expect(r.route('447700900123', 'SHOP')).toEqual(['shop', 'open']);
    expect(r.route('447700900123')).toEqual(['open']);
    expect(r.route('447700900123', 'SHOP', ['open'])).toEqual(['open']);
    expect(r.route('447700900123', 'ALERTS', ['shop'])).toEqual([]);
    expect(r.unknown(['shop', 'nope'])).toEqual(['nope']);
  });

  it('splits one priority by weight, the same way for a number every time', () => {
    const r = new Router([account('a', { weight: 3 }), account('b', { weight: 1 }), account('c', { priority: 1 })]);
    const firsts = { a: 0, b: 0, c: 0 };
    let malformed = 0;
    for (let i = 0; i < 10_000; i++) {
      const order = r.route(String(447700000000 + i));
      if (order.length !== 3 || order[2] !== 'c') malformed++;
      firsts[order[0] as 'a' | 'b' | 'c']++;
    }
    expect({ malformed, c: firsts.c }).toEqual({ malformed: 0, c: 0 });
    expect(firsts.a / 10_000).toBeGreaterThan(0.7);
    expect(firsts.a / 10_000).toBeLessThan(0.8);
    expect(r.route('447700001234')).toEqual(r.route('447700001234'));
  });

  it('knows when a single account takes everyone (no routing work per recipient)', () => {
    expect(new Router([account('default')]).only).toBe('default');
    expect(new Router([account('a', { prefixes: ['44'] })]).only).toBeUndefined();
    expect(new Router([account('a'), account('b')]).only).toBeUndefined();
  });
});

describe('outcomes naming their account', () => {
  it('adds the account after the optional fields, and none for the default account', () => {
    expect(withAccount(['s', '123'], 'b')).toEqual(['s', '123', null, 'b']);
    expect(withAccount(['u', 'ETIMEDOUT', 'cut', 17], 'b')).toEqual(['u', 'ETIMEDOUT', 'cut', 17, 'b']);
    expect(withAccount(['f', 'NOT_ACCEPTED', 'no'], 'b')).toEqual(['f', 'NOT_ACCEPTED', 'no', 'b']);
    expect(withAccount(['s', '123'], 'default')).toEqual(['s', '123']);
    expect(withAccount(['x', 'listed'], 'b')).toEqual(['x', 'listed']);
  });

  it('reads the account back, default for a call outcome that names none', () => {
    expect(accountOf(['s', '123', null, 'b'])).toBe('b');
    expect(accountOf(['s', '123'])).toBe('default');
    expect(accountOf(['u', 'c', 'r'])).toBe('default');
    expect(accountOf(['n', 'not in records', 'b'])).toBe('b');
    expect(accountOf(['f', 'NO_ROUTE', 'none'])).toBeUndefined();
    expect(accountOf(['x', 'listed'])).toBeUndefined();
  });
});

describe('RunRoutes: one run of a batch', () => {
  const people = ['447700000001', '447700000002', '447700000003', '4915100000004'].map((number, i) => ({ number, orderId: `o${i}` }));
  const view = (v: Partial<AccountView> = {}): AccountView => ({ stop: null, failures: 0, openUntil: 0, ...v });

  function routes(states: Record<string, AccountView> = {}) {
    const router = new Router([account('a', { prefixes: ['44'] }), account('b', { priority: 1 })]);
    return new RunRoutes(router, people, undefined, undefined, new Map(Object.entries(states)), () => 1_000);
  }

  it('groups recipients by their first account that is up', () => {
    expect(routes().assign([0, 1, 2, 3])).toEqual({
      groups: [
        { account: 'a', indices: [0, 1, 2] },
        { account: 'b', indices: [3] },
      ],
      noRoute: [],
      stranded: [],
    });
  });

  it('sends to the fallback when the first is stopped, and strands those with none left', () => {
    const stopped = view({ stop: { code: '-10', reason: 'balance', operatorAction: 'top up', at: 1 } });
    expect(routes({ a: stopped }).assign([0, 3]).groups).toEqual([{ account: 'b', indices: [0, 3] }]);
    expect(routes({ a: stopped, b: stopped }).assign([0, 3])).toEqual({ groups: [], noRoute: [], stranded: [0, 3] });
  });

  it('routes around an open breaker, uses it when nothing else is up, and tries it again once its time is up', () => {
    expect(routes({ a: view({ openUntil: 5_000 }) }).assign([0]).groups).toEqual([{ account: 'b', indices: [0] }]);
    const down = view({ stop: { code: '-13', reason: 'locked', operatorAction: 'unlock', at: 1 } });
    expect(routes({ a: view({ openUntil: 5_000 }), b: down }).assign([0]).groups).toEqual([{ account: 'a', indices: [0] }]);
    const r = routes({ a: view({ openUntil: 500 }) });
    expect(r.availability('a')).toBe('probe');
    expect(r.assign([0]).groups).toEqual([{ account: 'a', indices: [0] }]);
  });

  it('never sends a recipient back to an account it left in the run', () => {
    const r = routes();
    r.leave([0], 'a');
    expect(r.hasFallback(0, 'a')).toBe(true);
    expect(r.assign([0, 1]).groups).toEqual([
      { account: 'b', indices: [0] },
      { account: 'a', indices: [1] },
    ]);
    r.leave([0], 'b');
    expect(r.hasFallback(0, 'b')).toBe(false);
    expect(r.assign([0]).stranded).toEqual([0]);
  });

  it('names recipients no account may take', () => {
    const router = new Router([account('a', { prefixes: ['44'] })]);
    expect(new RunRoutes(router, people, undefined, undefined, new Map()).assign([0, 3])).toEqual({
      groups: [{ account: 'a', indices: [0] }],
      noRoute: [3],
      stranded: [],
    });
  });
});
