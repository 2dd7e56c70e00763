/**
 * `smsq accounts` as an operator runs it: three gateway accounts (two simulated, one whose gateway does not answer),
 * one stopped and one with its breaker open, listed with their state, balance, limits and routing, no secret
 * printed; `smsq accounts resume NAME` clearing what the list showed, and a name not configured refused.
 */
import { runSmsq } from '../support/cli';
import { useCampaignStack } from '../support/campaigns';

const KEY_A = 'key-of-account-a-0123456789';
const SECRET_A = 'secret-of-account-a-0123456789';

const stack = useCampaignStack('accounts-cli', {
  simulator: {
    accounts: [
      { name: 'a', apiKey: KEY_A, apiSecret: SECRET_A, appId: 'app-a' },
      { name: 'b', faults: { balance: 0 } },
    ],
  },
  env: () => ({
    SMS_BREAKER_FAILURES: '2',
    SMS_ACCOUNTS: JSON.stringify([
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
      { name: 'c', baseUrl: 'http://127.0.0.1:9/sms', countries: ['GB', 'IE'] },
    ]),
  }),
});

interface AccountJson {
  name: string;
  gateway: string;
  state: string;
  stop: { code: string; reason: string; operatorAction: string; at: string } | null;
  breaker: { failures: number; probeAt?: string };
  balance?: { balance: string; available: string };
  balanceUnavailable?: string;
  maxRate: number;
  priority: number;
  weight: number;
  prefixes: string[];
  countries: string[];
  senderIds: string[];
}

beforeEach(async () => {
  await stack.ctx.accountStates.stop('b', {
    code: '-10',
    reason: 'balance insufficient',
    operatorAction: 'top up the account, then run "smsq accounts resume b"',
    at: Date.parse('2026-12-07T09:00:00Z'),
  });
  for (let i = 0; i < 2; i++) await stack.ctx.accountStates.failure('c');
});
afterEach(() => stack.ctx.accountStates.clear());

it('lists every account with its state, gateway, balance, limits and routing, and no secret', async () => {
  const run = await runSmsq(['accounts'], stack.env);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const blocks = run.stdout.trim().split('\n\n');
  expect(blocks.map((b) => b.split('  ')[0])).toEqual(['a', 'b', 'c']);
  const [a, b, c] = blocks;
  expect(a).toMatch(/^a {2}ok\n/);
  expect(a).toContain(`gateway ${new URL(stack.sim.baseUrl).origin}  priority 0  weight 1  max rate 500/s`);
  expect(a).toMatch(/balance \S+ {2}gift \S+ {2}credit \S+ {2}available \S+/);
  expect(a).toContain('prefixes 44  countries any  sender IDs any');
  expect(b).toMatch(
    /^b {2}stopped -10 balance insufficient — top up the account, then run "smsq accounts resume b" \(since 2026-12-07T09:00:00.000Z\)\n/,
  );
  expect(b).toContain('priority 1  weight 2  max rate none');
  expect(b).toContain('balance 0');
  expect(b).toContain('sender IDs Shop');
  expect(c).toMatch(/^c {2}breaker open until \d{4}-\d\d-\d\dT[\d:.]+Z \(2 transient failures in a row\)\n/);
  expect(c).toMatch(/balance unavailable: getBalance failed: .*ECONNREFUSED/);
  expect(c).toContain('countries GB,IE');
  expect(run.stdout).not.toContain(KEY_A);
  expect(run.stdout).not.toContain(SECRET_A);
});

it('prints the same list as JSON with --json, times in ISO 8601', async () => {
  const run = await runSmsq(['accounts', '--json'], stack.env);
  expect(run.code).toBe(0);
  expect(run.stdout).not.toContain(SECRET_A);
  const { accounts } = JSON.parse(run.stdout) as { accounts: AccountJson[] };
  expect(accounts.map((x) => [x.name, x.state])).toEqual([
    ['a', 'ok'],
    ['b', 'stopped'],
    ['c', 'open'],
  ]);
  const [a, b, c] = accounts;
  expect(a).toMatchObject({ maxRate: 500, priority: 0, weight: 1, prefixes: ['44'], countries: [], senderIds: [], stop: null });
  expect(a.balance).toBeDefined();
  expect(b.stop).toEqual({
    code: '-10',
    reason: 'balance insufficient',
    operatorAction: 'top up the account, then run "smsq accounts resume b"',
    at: '2026-12-07T09:00:00.000Z',
  });
  expect(b.balance).toMatchObject({ available: '0.00' });
  expect(c.breaker).toEqual({ failures: 2, probeAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  expect(c.balance).toBeUndefined();
  expect(c.balanceUnavailable).toMatch(/^getBalance failed: /);
});

it('resumes one account, clearing its stop or its breaker, and refuses a name not configured as a usage error', async () => {
  const b = await runSmsq(['accounts', 'resume', 'b'], stack.env);
  expect(b).toMatchObject({ code: 0, stderr: '' });
  expect(b.stdout).toBe('account b resumed: cleared its stop (gateway status -10: balance insufficient)\n');
  const c = await runSmsq(['accounts', 'resume', 'c'], stack.env);
  expect(c.stdout).toBe('account c resumed: closed its breaker (2 transient failures in a row)\n');
  expect((await runSmsq(['accounts', 'resume', 'a'], stack.env)).stdout).toBe('account a: nothing to clear, it was sending\n');
  const states = await stack.ctx.accountStates.read(true);
  expect([...states.values()]).toEqual([...Array(3)].map(() => ({ stop: null, failures: 0, openUntil: 0 })));

  const unknown = await runSmsq(['accounts', 'resume', 'zz'], stack.env);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toBe('smsq accounts: no gateway account is named "zz"; the configured ones are a, b, c\n');
  expect((await runSmsq(['accounts', 'resume'], stack.env)).code).toBe(2);
  expect((await runSmsq(['accounts', 'list'], stack.env)).code).toBe(2);
});
