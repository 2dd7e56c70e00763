/**
 * The campaign console in a real browser (Debian's Chromium, driven by playwright-core): the login, a running
 * 200,000-recipient campaign whose progress and chart move, and an operator's pause, resume and cancel clicked on
 * the page and read back from Redis. Screenshots are kept under test-artifacts/ for a person to look at.
 */
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createProducer } from '../../src/producer';
import { startServer, type RunningServer } from '../../src/server';
import { createLogger } from '../../src/shared/logger';
import { startSimulator, type Simulator } from '../../src/simulator';
import { startWorker, type SmsqWorker } from '../../src/worker/worker';
import { ARTIFACTS, launchBrowser } from '../support/browser';
import { deletePrefix, testRedis, uniquePrefix, waitFor } from '../support/env';
import { BEARER, DASHBOARD, serverConfig } from '../support/server';

const prefix = uniquePrefix('console');
const log = createLogger('silent');
const DLR_TOKEN = 'console-dlr-token-0123456789';
const BIG = 'big-sale';
const RECIPIENTS = 200_000;
const redis = testRedis();
let sim: Simulator;
let server: RunningServer;
let readOnly: RunningServer;
let worker: SmsqWorker;
let browser: Browser;
/** Every URL the pages asked for, to hold them to this server. */
const requested: string[] = [];

beforeAll(async () => {
  // Some numbers refused (failures by code), some reports undelivered, all of them priced: every figure has data.
  sim = await startSimulator({
    faults: {
      refuseNumbers: Array.from({ length: 40 }, (_, i) => String(447_755_000_000 + i * 997)),
      undeliveredRate: 0.04,
      reportDelayMs: 200,
      reportDelayJitterMs: 800,
    },
  });
  // Three batches a second: the campaign runs for about a minute, long enough to watch it and to act on it.
  const env = { SERVER_PORT: '0', SERVER_HOST: '127.0.0.1', SMS_RATE_LIMIT_PER_SECOND: '3', DLR_TOKEN };
  const config = serverConfig(prefix, sim.baseUrl, env);
  server = await startServer(config, log);
  readOnly = await startServer(serverConfig(prefix, sim.baseUrl, { ...env, DASHBOARD_READ_ONLY: 'true' }), log);
  sim.setFaults({ reportUrl: `${server.url}/v1/delivery-reports/${DLR_TOKEN}` });
  worker = await startWorker(config, log);
  await enqueue('welcome', 'Welcome to the spring sale', 3_000);
  await waitFor('the small campaign to complete', async () => ((await status('welcome')).state === 'completed' ? true : undefined), 60_000);
  await enqueue(BIG, 'Spring sale: 20% off everything today only. Reply STOP to opt out.', RECIPIENTS);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await readOnly?.close();
  await server?.close();
  await sim?.close();
  redis.disconnect();
  await deletePrefix(prefix);
});

async function enqueue(campaignId: string, content: string, count: number): Promise<void> {
  const csv = Array.from({ length: count }, (_, i) => String(447_755_000_000 + i)).join('\n');
  const res = await fetch(`${server.url}/v1/campaigns?campaignId=${campaignId}&content=${encodeURIComponent(content)}`, {
    method: 'POST',
    headers: { ...BEARER, 'content-type': 'text/csv' },
    body: csv,
  });
  expect(res.status).toBe(201);
}

async function status(campaignId: string): Promise<{ state: string; counts: { pending: number; total: number } }> {
  return (await fetch(`${server.url}/v1/campaigns/${campaignId}`, { headers: BEARER })).json() as never;
}

const storedState = (campaignId: string) => redis.hget(`${prefix}:campaign:${campaignId}`, 'state');

async function open(url: string): Promise<Page> {
  const context: BrowserContext = await browser.newContext({
    viewport: { width: 1440, height: 1000 },
    httpCredentials: { username: DASHBOARD.user, password: DASHBOARD.password },
  });
  const p = await context.newPage();
  p.on('request', (r) => requested.push(r.url()));
  await p.goto(url);
  return p;
}

/** Clicks an action button, then the dialog's confirm button. */
async function act(p: Page, action: string): Promise<void> {
  await p.locator(`[data-action="${action}"]:not([disabled])`).click();
  await p.locator('#confirm[open]').waitFor();
  await p.locator('#confirm-yes').click();
}

/** The chart's pixels, as a data URL: they change when uPlot draws new data. */
const chartPixels = (p: Page) => p.locator('#chart canvas').evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());

const settled = async (p: Page) => Number(await p.locator('.bar.big').getAttribute('aria-valuenow'));

it('keeps a browser without the dashboard login out of the console and its API', async () => {
  const context = await browser.newContext();
  for (const url of ['/', `/console/campaigns/${BIG}`, '/console/api/v1/campaigns', `/console/api/campaigns/${BIG}/overview`]) {
    const res = await context.request.get(`${server.url}${url}`);
    expect(res.status()).toBe(401);
    expect(res.headers()['www-authenticate']).toMatch(/^Basic/);
  }
  const wrong = await browser.newContext({ httpCredentials: { username: DASHBOARD.user, password: 'not-the-password' } });
  expect((await wrong.request.get(`${server.url}/`)).status()).toBe(401);
  await context.close();
  await wrong.close();
});

it('lists the campaigns with state, progress, counts and a link to bull-board', async () => {
  const p = await open(`${server.url}/`);
  const big = p.locator(`tr[data-campaign="${BIG}"]`);
  await big.waitFor();
  await p.locator('tr[data-campaign="welcome"] .badge', { hasText: 'completed' }).waitFor();
  await waitFor(
    'the big campaign to have sent some',
    async () => ((await big.locator('td').nth(4).textContent())?.replace(/,/g, '') !== '0' ? true : undefined),
    30_000,
  );
  expect(await big.locator('.badge').textContent()).toMatch(/queued|running/);
  expect(await p.locator('a[href="/admin/queues"]').count()).toBe(1);
  // The newest first.
  expect(await p.locator('tbody tr').first().getAttribute('data-campaign')).toBe(BIG);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-list.png'), fullPage: true });
  await p.context().close();
});

it('shows a running 200,000-recipient campaign whose progress and chart move, with delivery figures and cost', async () => {
  const p = await open(`${server.url}/console/campaigns/${BIG}`);
  await p.locator('#chart canvas').waitFor();
  const before = await settled(p);
  const chartBefore = await chartPixels(p);
  await waitFor('the progress bar to move', async () => ((await settled(p)) > before ? true : undefined), 30_000);
  await waitFor('the chart to be redrawn with new data', async () => ((await chartPixels(p)) !== chartBefore ? true : undefined), 30_000);
  // Delivery reports and their prices come in while it runs.
  await waitFor(
    'delivery figures and cost',
    async () => ((await p.locator('#cost dt', { hasText: 'USD' }).count()) > 0 ? true : undefined),
    30_000,
  );
  await p.locator('#codes td', { hasText: 'NOT_ACCEPTED' }).first().waitFor();
  expect(await p.locator('#state').textContent()).toBe('running');
  expect(await p.locator('#rate').textContent()).toMatch(/Delivery rate \d+\.\d% of the [\d,]+ with a final report/);
  expect(await p.locator('#progress-text').textContent()).toMatch(/of 200,000 recipients settled .* to go/);
  expect(Number((await p.locator('#batches dd').first().textContent()) ?? '-1')).toBeGreaterThanOrEqual(0);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-campaign-running.png'), fullPage: true });
  await p.context().close();
}, 90_000);

it('pauses and resumes the campaign from the page, after a confirmation, and Redis says so', async () => {
  const p = await open(`${server.url}/console/campaigns/${BIG}`);
  await p.locator('#state', { hasText: 'running' }).waitFor();
  await act(p, 'pause');
  await waitFor('the campaign paused in Redis', async () => ((await storedState(BIG)) === 'paused' ? true : undefined), 10_000);
  await p.locator('#state', { hasText: 'paused' }).waitFor();
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-campaign-paused.png'), fullPage: true });
  await act(p, 'resume');
  await waitFor(
    'the campaign resumed in Redis',
    async () => (['queued', 'running'].includes((await storedState(BIG)) ?? '') ? true : undefined),
    10_000,
  );
  await p.context().close();
}, 60_000);

it('cancels the campaign from the page only once the operator confirms, and Redis says so', async () => {
  const p = await open(`${server.url}/console/campaigns/${BIG}`);
  await p.locator('[data-action="cancel"]:not([disabled])').waitFor();
  // Asked, and declined: nothing changes.
  await p.locator('[data-action="cancel"]').click();
  await p.locator('#confirm[open]').waitFor();
  expect(await p.locator('#confirm-text').textContent()).toMatch(/cannot be undone/);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-confirm-cancel.png') });
  await p.locator('#confirm-no').click();
  expect(await storedState(BIG)).not.toBe('cancelled');

  await act(p, 'cancel');
  await waitFor('the campaign cancelled in Redis', async () => ((await storedState(BIG)) === 'cancelled' ? true : undefined), 10_000);
  await p.locator('#state', { hasText: 'cancelled' }).waitFor();
  await waitFor('every recipient settled', async () => ((await status(BIG)).counts.pending === 0 ? true : undefined), 30_000);
  await p.locator('#message', { hasText: 'Cancel: done.' }).waitFor();
  expect(await p.locator('[data-action="cancel"]').isDisabled()).toBe(true);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-campaign-cancelled.png'), fullPage: true });
  await p.context().close();
}, 60_000);

it('says on the list when sending is stopped for the whole account, and what to do', async () => {
  // What a worker records on a -10 (no balance) answer; the queue pause that goes with it is not needed to show it.
  const stop = { code: '-10', reason: 'insufficient balance', operatorAction: 'top up the account', at: Date.now() };
  await redis.set(`${prefix}:account-stop`, JSON.stringify(stop));
  try {
    const p = await open(`${server.url}/`);
    await p.locator('.banner.stop', { hasText: 'Sending is stopped for the whole account' }).waitFor();
    expect(await p.locator('.banner.stop').textContent()).toMatch(
      /Gateway status -10: insufficient balance .*Top up the account, then run smsq resume/,
    );
    await p.screenshot({ path: path.join(ARTIFACTS, 'console-account-stop.png') });
    await p.context().close();
  } finally {
    await redis.del(`${prefix}:account-stop`);
  }
});

it('in read-only mode shows the campaign with its buttons disabled, and refuses the actions themselves', async () => {
  const p = await open(`${readOnly.url}/console/campaigns/welcome`);
  await p.locator('#state', { hasText: 'completed' }).waitFor();
  for (const action of ['pause', 'resume', 'cancel', 'settle'])
    expect(await p.locator(`[data-action="${action}"]`).isDisabled()).toBe(true);
  // Asked as the page itself would (same origin, JSON): refused for being read-only, not for coming from elsewhere.
  const res = await p.context().request.post(`${readOnly.url}/console/api/v1/campaigns/welcome/cancel`, {
    headers: { origin: readOnly.url, 'content-type': 'application/json' },
    data: '{}',
  });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.code).toBe('FORBIDDEN');
  await p.context().close();
});

it('asks nothing of another host, under a Content-Security-Policy, and bull-board loads no external font', async () => {
  expect(requested.length).toBeGreaterThan(0);
  for (const url of requested) expect(url.startsWith(server.url) || url.startsWith(readOnly.url) || url.startsWith('data:')).toBe(true);
  const context = await browser.newContext({ httpCredentials: { username: DASHBOARD.user, password: DASHBOARD.password } });
  const page = await context.request.get(`${server.url}/`);
  expect(page.headers()['content-security-policy']).toMatch(/default-src 'none'.*script-src 'self'/);
  const board = await context.request.get(`${server.url}/admin/queues`);
  expect(board.status()).toBe(200);
  expect(await board.text()).not.toMatch(/googleapis|https?:\/\/(?!www\.w3\.org)/);
  expect(board.headers()['content-security-policy']).toMatch(/default-src 'self'/);
  await context.close();
});

it("says when a campaign's producer stopped while staging it, and how far it got", async () => {
  // A library producer whose second reading of the rows fails at row 2,001: two batches written of five.
  const producer = await createProducer(serverConfig(prefix, sim.baseUrl), log);
  try {
    const rows = (fail: boolean) =>
      async function* () {
        for (let row = 1; row <= 5_000; row++) {
          if (fail && row === 2_001) throw new Error('disk gone');
          yield { row, input: { number: String(447_766_000_000 + row) } };
        }
      };
    let readings = 0;
    const err = await producer
      .enqueueCampaign({ campaignId: 'half-staged', content: 'Staged in part', rows: () => rows(++readings === 2)() })
      .catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'STAGING_STOPPED' });
    const p = await open(`${server.url}/console/campaigns/half-staged`);
    await p.locator('#meta', { hasText: 'staging stopped at 2,000 of 5,000' }).waitFor();
    expect(await p.locator('#meta').textContent()).toMatch(
      /its producer is gone \(queue the same campaign again to stage the rest, or cancel it\)/,
    );
    await p.screenshot({ path: path.join(ARTIFACTS, 'console-campaign-staging-stopped.png'), fullPage: true });
    await p.context().close();
    await producer.cancelCampaign('half-staged');
  } finally {
    await producer.close();
  }
});
