/**
 * The console's Accounts page in a real browser (Debian's Chromium, driven by playwright-core): two gateway accounts
 * of one simulator, one of them stopped by its gateway (-10), then resumed by the operator's click and read back from
 * Redis; read-only mode; the login. Screenshots are kept under test-artifacts/ for a person to look at.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server';
import { createContext, type Context } from '../../src/shared/context';
import { createLogger } from '../../src/shared/logger';
import { startSimulator, type Simulator } from '../../src/simulator';
import { ARTIFACTS, launchBrowser } from '../support/browser';
import { deletePrefix, uniquePrefix, waitFor } from '../support/env';
import { DASHBOARD, serverConfig } from '../support/server';

const prefix = uniquePrefix('accounts-console');
const log = createLogger('silent');
const STOP = {
  code: '-10',
  reason: 'insufficient balance',
  operatorAction: 'top up the account, then run "smsq accounts resume backup"',
  at: Date.now(),
};
let sim: Simulator;
let server: RunningServer;
let readOnly: RunningServer;
let ctx: Context;
let browser: Browser;
/** Every URL the pages asked for, to hold them to these servers. */
const requested: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({ accounts: [{ name: 'main' }, { name: 'backup', faults: { balance: 0 } }] });
  const env = {
    SERVER_PORT: '0',
    SERVER_HOST: '127.0.0.1',
    SMS_ACCOUNTS: JSON.stringify([
      { name: 'main', baseUrl: sim.account('main').baseUrl, prefixes: ['44'], maxRate: 200 },
      { name: 'backup', baseUrl: sim.account('backup').baseUrl, priority: 1, senderIds: ['SHOP'] },
    ]),
  };
  const config = serverConfig(prefix, sim.baseUrl, env);
  server = await startServer(config, log);
  readOnly = await startServer(serverConfig(prefix, sim.baseUrl, { ...env, DASHBOARD_READ_ONLY: 'true' }), log);
  ctx = await createContext(config, log, 'client');
  browser = await launchBrowser();
}, 60_000);

beforeEach(() => ctx.accountStates.stop('backup', STOP));

afterAll(async () => {
  await browser?.close();
  await readOnly?.close();
  await server?.close();
  await ctx?.close();
  await sim?.close();
  await deletePrefix(prefix);
});

async function open(url: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 700 },
    httpCredentials: { username: DASHBOARD.user, password: DASHBOARD.password },
  });
  const p = await context.newPage();
  p.on('request', (r) => requested.push(r.url()));
  await p.goto(url);
  return p;
}

const row = (p: Page, account: string) => p.locator(`tr[data-account="${account}"]`);

it('keeps a browser without the dashboard login out of the page and its API', async () => {
  const context = await browser.newContext();
  for (const url of ['/console/accounts', '/console/api/v1/accounts', '/console/api/v1/accounts/backup/resume']) {
    const res = url.endsWith('/resume')
      ? await context.request.post(`${server.url}${url}`)
      : await context.request.get(`${server.url}${url}`);
    expect(res.status()).toBe(401);
  }
  await context.close();
});

it('shows both accounts with their state, breaker, balance and rate, the stopped one with why and what to do', async () => {
  const p = await open(`${server.url}/console/accounts`);
  await row(p, 'backup').locator('.badge', { hasText: 'stopped' }).waitFor();
  // The balances come with the first poll: main's simulator has no limit, backup's is empty.
  await waitFor('the balances', async () => ((await row(p, 'backup').locator('td').nth(3).textContent()) !== '…' ? true : undefined));
  expect(await p.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-account')))).toEqual(['main', 'backup']);
  const cells = async (account: string) => row(p, account).locator('td').allTextContents();
  const [name, state, breaker, balance, rate, priority, weight, sendsTo, gateway] = await cells('main');
  expect([name, state, breaker, rate, priority, weight, sendsTo]).toEqual(['main', 'ok', 'closed', '200 / s', '0', '1', 'prefixes 44']);
  expect(balance).toMatch(/^[\d.]+$/);
  expect(gateway).toBe(new URL(sim.baseUrl).origin);
  const backup = await cells('backup');
  expect(backup[1]).toBe('stopped -10 insufficient balance — top up the account, then run "smsq accounts resume backup"');
  expect(backup.slice(3, 8)).toEqual(['0.00', 'no limit', '1', '1', 'sender IDs SHOP']);
  expect(await row(p, 'main').locator('button').isDisabled()).toBe(true);
  expect(await row(p, 'backup').locator('button').isDisabled()).toBe(false);
  expect(await p.locator('nav a[aria-current]').textContent()).toBe('Accounts');
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-accounts-stopped.png'), fullPage: true });
  await p.context().close();
});

it('resumes the stopped account once the operator confirms, and Redis says so', async () => {
  const p = await open(`${server.url}/console/accounts`);
  await row(p, 'backup').locator('button:not([disabled])').click();
  await p.locator('#confirm[open]').waitFor();
  expect(await p.locator('#confirm-text').textContent()).toMatch(/^Resume account backup\?/);
  // Asked, and declined: nothing changes.
  await p.locator('#confirm-no').click();
  expect((await ctx.accountStates.read(true)).get('backup')?.stop).toEqual(STOP);

  await row(p, 'backup').locator('button:not([disabled])').click();
  await p.locator('#confirm-yes').click();
  await waitFor('the stop cleared in Redis', async () =>
    (await ctx.accountStates.read(true)).get('backup')?.stop === null ? true : undefined,
  );
  await row(p, 'backup').locator('.badge', { hasText: 'ok' }).waitFor();
  expect(await p.locator('#message').textContent()).toBe('Account backup resumed: cleared its stop (gateway status -10).');
  expect(await row(p, 'backup').locator('button').isDisabled()).toBe(true);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-accounts-resumed.png'), fullPage: true });
  await p.context().close();
});

it('in read-only mode shows the stopped account with its button disabled, and refuses the resume itself', async () => {
  const p = await open(`${readOnly.url}/console/accounts`);
  await row(p, 'backup').locator('.badge', { hasText: 'stopped' }).waitFor();
  await waitFor('the button disabled', async () => ((await row(p, 'backup').locator('button').isDisabled()) ? true : undefined));
  // Asked as the page itself would (same origin, JSON): refused for being read-only.
  const res = await p.context().request.post(`${readOnly.url}/console/api/v1/accounts/backup/resume`, {
    headers: { origin: readOnly.url, 'content-type': 'application/json' },
    data: '{}',
  });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.code).toBe('FORBIDDEN');
  expect((await ctx.accountStates.read(true)).get('backup')?.stop).toEqual(STOP);
  await p.context().close();
});

it('asks nothing of another host', () => {
  expect(requested.length).toBeGreaterThan(0);
  for (const url of requested) expect(url.startsWith(server.url) || url.startsWith(readOnly.url) || url.startsWith('data:')).toBe(true);
});
