/**
 * The producer's side of the gateway accounts (src/producer/account-routes.ts): the pinned accounts checked at the
 * edge, and the tally of each recipient's first account, held to the Router's own answer for generated numbers and
 * configurations.
 */
import fc from 'fast-check';
import { noRouteWarning, pinnedAccounts, refuseUnknownAccounts, RouteTally } from '../../../src/producer/account-routes';
import { Router } from '../../../src/shared/accounts/routing';
import { parseAccounts, type GatewayAccount } from '../../../src/shared/config';
import { SmsqError } from '../../../src/shared/errors';
import { FC_SEED } from '../../support/fc-seed';

/** Accounts as SMS_ACCOUNTS would give them (local base URLs need no credentials). */
function accounts(list: Array<Record<string, unknown>>): GatewayAccount[] {
  const problems: string[] = [];
  const parsed = parseAccounts(
    list.map((a) => ({ baseUrl: 'http://127.0.0.1:9/sms', ...a })),
    'SMS_ACCOUNTS',
    problems,
  );
  expect(problems).toEqual([]);
  return parsed;
}

describe('pinnedAccounts', () => {
  it('takes none when the option is absent or empty, and each name once', () => {
    expect(pinnedAccounts(undefined)).toEqual({ problem: null });
    expect(pinnedAccounts([])).toEqual({ names: undefined, problem: null });
    expect(pinnedAccounts(['b', 'a', 'b'])).toEqual({ names: ['b', 'a'], problem: null });
  });

  it('refuses what is not a list of at most 32 account names, naming the bad one', () => {
    expect(pinnedAccounts('a,b').problem).toBe('must be an array of account names');
    expect(pinnedAccounts(Array.from({ length: 33 }, (_, i) => `a${i}`)).problem).toBe('names 33 accounts; at most 32');
    expect(pinnedAccounts(['a', 'Big']).problem).toMatch(/^"Big" is not an account name/);
    expect(pinnedAccounts(['a', 7]).problem).toMatch(/^7 is not an account name/);
    expect(pinnedAccounts(['x'.repeat(33)]).problem).toMatch(/is not an account name/);
    expect(pinnedAccounts(['']).problem).toMatch(/^"" is not an account name/);
  });
});

describe('refuseUnknownAccounts', () => {
  const router = new Router(accounts([{ name: 'a' }, { name: 'b' }]));

  it('lets configured names through', () => {
    expect(() => refuseUnknownAccounts(router, ['b', 'a'])).not.toThrow();
  });

  it('throws UNKNOWN_ACCOUNT naming the unknown names and listing the configured', () => {
    const err = (() => {
      try {
        refuseUnknownAccounts(router, ['a', 'c', 'default']);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SmsqError);
    expect(err).toMatchObject({ code: 'UNKNOWN_ACCOUNT', details: { unknown: ['c', 'default'], configured: ['a', 'b'] } });
    expect((err as SmsqError).message).toBe(
      'accounts: "c", "default" are not configured gateway accounts; nothing was queued. The accounts configured (SMS_ACCOUNTS) are a, b.',
    );
  });
});

describe('RouteTally', () => {
  const uk = accounts([{ name: 'a', prefixes: ['44'] }]);

  it('names the rows and numbers no account may send to, the first 20 of them, and counts them all', () => {
    const tally = new RouteTally(new Router(uk), undefined, undefined);
    tally.add(1, '447700900001');
    for (let row = 2; row <= 26; row++) tally.add(row, `33612${String(row).padStart(6, '0')}`);
    tally.add(27, '447700900002');
    const { noRoute, byAccount } = tally.summary();
    expect(byAccount).toEqual({ a: 2 });
    expect(noRoute.count).toBe(25);
    expect(noRoute.rows).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(noRoute.numbers[0]).toBe('33612000002');
    expect(noRouteWarning({ noRoute, byAccount })).toMatch(
      /^25 recipients have no gateway account that may send to them \(NO_ROUTE\): rows 2, 3, .*, 21 and 5 more\. They are queued/,
    );
  });

  it('warns of nothing when every recipient has a route', () => {
    const tally = new RouteTally(new Router(uk), undefined, undefined);
    tally.add(1, '447700900001');
    expect(noRouteWarning(tally.summary())).toBeUndefined();
  });

  it('sends every recipient to the one account that looks at no number, and none when the sender ID or pin rules it out', () => {
    const open = new Router(
      accounts([
        { name: 'a', senderIds: ['SHOP'] },
        { name: 'b', senderIds: ['BANK'] },
      ]),
    );
    const shop = new RouteTally(open, 'SHOP', undefined);
    const bank = new RouteTally(open, 'BANK', undefined);
    const pinned = new RouteTally(open, 'BANK', ['a']);
    for (const t of [shop, bank, pinned]) for (let row = 1; row <= 3; row++) t.add(row, `44770090000${row}`);
    expect(shop.summary()).toEqual({ noRoute: { count: 0, rows: [], numbers: [] }, byAccount: { a: 3 } });
    expect(bank.summary()).toEqual({ noRoute: { count: 0, rows: [], numbers: [] }, byAccount: { b: 3 } });
    expect(pinned.summary()).toEqual({
      noRoute: { count: 3, rows: [1, 2, 3], numbers: ['447700900001', '447700900002', '447700900003'] },
      byAccount: {},
    });
  });

  it('agrees with the Router on every number, for generated accounts, sender IDs and pins', () => {
    const account = fc.record({
      prefixes: fc.subarray(['44', '4477', '49', '1', '33']),
      senderIds: fc.subarray(['SHOP', 'BANK']),
      priority: fc.integer({ min: 0, max: 2 }),
      weight: fc.integer({ min: 1, max: 5 }),
    });
    const number = fc
      .tuple(fc.constantFrom('44', '4477', '49', '1', '33', '81'), fc.stringMatching(/^[0-9]{8}$/))
      .map(([p, rest]) => p + rest);
    fc.assert(
      fc.property(
        fc.array(account, { minLength: 1, maxLength: 4 }),
        fc.option(fc.constantFrom('SHOP', 'BANK', 'NEWS'), { nil: undefined }),
        fc.option(fc.subarray(['a0', 'a1', 'a2', 'a3'], { minLength: 1 }), { nil: undefined }),
        fc.array(number, { maxLength: 60 }),
        (list, senderId, pinned, numbers) => {
          const router = new Router(accounts(list.map((a, i) => ({ name: `a${i}`, ...a }))));
          const tally = new RouteTally(router, senderId, pinned);
          numbers.forEach((n, i) => tally.add(i + 1, n));
          const expected: Record<string, number> = {};
          const none: number[] = [];
          numbers.forEach((n, i) => {
            const first = router.route(n, senderId, pinned)[0];
            if (first === undefined) none.push(i + 1);
            else expected[first] = (expected[first] ?? 0) + 1;
          });
          const { byAccount, noRoute } = tally.summary();
          expect(byAccount).toEqual(expected);
          expect(noRoute.count).toBe(none.length);
          expect(noRoute.rows).toEqual(none.slice(0, 20));
        },
      ),
      { seed: FC_SEED, numRuns: 200 },
    );
  });
});
