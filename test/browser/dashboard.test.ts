/**
 * The dashboard in a real browser: Debian's Chromium, driven by playwright-core (these machines cannot download
 * a browser build). Screenshots are kept under test-artifacts/.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server';
import { createLogger } from '../../src/shared/logger';
import type { RecipientResult } from '../../src/shared/types';
import { startSimulator, type Simulator } from '../../src/simulator';
import { startWorker, type SmsqWorker } from '../../src/worker/worker';
import { ARTIFACTS, launchBrowser } from '../support/browser';
import { deletePrefix, uniquePrefix, waitFor } from '../support/env';
import { BEARER, DASHBOARD, serverConfig } from '../support/server';

const prefix = uniquePrefix('dashboard');
const log = createLogger('silent');
let sim: Simulator;
let server: RunningServer;
let readOnly: RunningServer;
let worker: SmsqWorker;
let browser: Browser;
let results: RecipientResult[];

beforeAll(async () => {
  sim = await startSimulator({ faults: { refuseNumbers: ['447766000005'] } });
  // Batches of 4, so that one small campaign makes several batch jobs.
  const env = { SERVER_PORT: '0', SERVER_HOST: '127.0.0.1', SMS_BATCH_SIZE: '4' };
  const config = serverConfig(prefix, sim.baseUrl, env);
  server = await startServer(config, log);
  readOnly = await startServer(serverConfig(prefix, sim.baseUrl, { ...env, DASHBOARD_READ_ONLY: 'true' }), log);
  worker = await startWorker(config, log);
  const recipients = Array.from({ length: 10 }, (_, i) => ({ number: String(447_766_000_000 + i), orderId: `spring-${i}` }));
  const res = await fetch(`${server.url}/v1/campaigns`, {
    method: 'POST',
    headers: { ...BEARER, 'content-type': 'application/json' },
    body: JSON.stringify({ campaignId: 'spring-sale', content: 'Spring sale: 20% off today', recipients }),
  });
  expect(res.status).toBe(201);
  await waitFor('the campaign to complete', async () => {
    const info = (await (await fetch(`${server.url}/v1/campaigns/spring-sale`, { headers: BEARER })).json()) as { state: string };
    return info.state === 'completed' ? true : undefined;
  });
  const body = await (await fetch(`${server.url}/v1/campaigns/spring-sale/results`, { headers: BEARER })).text();
  results = body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RecipientResult);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await readOnly?.close();
  await server?.close();
  await sim?.close();
  await deletePrefix(prefix);
});

async function page(url: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 1100 },
    httpCredentials: { username: DASHBOARD.user, password: DASHBOARD.password },
  });
  const p = await context.newPage();
  await p.goto(url);
  return p;
}

/** The card of one job: the nearest element around its id that also holds its JSON. */
const jobCard = (p: Page, jobId: string) =>
  p.getByText(jobId, { exact: true }).locator('xpath=ancestor::*[.//*[contains(text(), "returnValue")]][1]');

it('keeps a browser without credentials out', async () => {
  const context = await browser.newContext();
  const res = await context.request.get(server.dashboardUrl);
  expect(res.status()).toBe(401);
  expect(res.headers()['www-authenticate']).toMatch(/^Basic/);
  await context.close();
});

it("logs in with basic auth and shows the finished campaign's batch jobs with their outcome counts and failures", async () => {
  const p = await page(`${server.dashboardUrl}/queue/batches?status=completed`);
  for (const k of [0, 1, 2]) await p.getByText(`b.spring-sale.${k}`, { exact: true }).waitFor();
  const firstBatch = jobCard(p, 'b.spring-sale.0');
  await firstBatch.getByText('returnValue').waitFor();
  await firstBatch.getByText('counts', { exact: false }).first().waitFor();

  // The number the gateway left out of its answer is listed, with its code, among its batch's problems.
  const failed = results.find((r) => r.status === 'failed')!;
  expect(failed).toMatchObject({ orderId: 'spring-5', code: 'NOT_ACCEPTED' });
  const secondBatch = jobCard(p, 'b.spring-sale.1');
  await secondBatch.getByText('problems', { exact: false }).first().waitFor();
  // The JSON viewer folds each [orderId, status, code, reason] entry: open them.
  for (const button of await secondBatch.getByRole('button', { name: 'expand JSON' }).all()) await button.click().catch(() => undefined);
  await secondBatch.getByText('spring-5', { exact: false }).first().waitFor();
  await secondBatch.getByText('NOT_ACCEPTED', { exact: false }).first().waitFor();
  await p.screenshot({ path: path.join(ARTIFACTS, 'dashboard-batches.png'), fullPage: true });
  await p.context().close();
});

it('in read-only mode shows the jobs without retry or clean buttons', async () => {
  const writable = await page(`${server.dashboardUrl}/queue/batches?status=completed`);
  await writable.getByText('b.spring-sale.0', { exact: true }).waitFor();
  expect(await writable.getByRole('button', { name: 'Clean all' }).count()).toBe(1);
  await writable.context().close();

  const p = await page(`${readOnly.dashboardUrl}/queue/batches?status=completed`);
  await p.getByText('b.spring-sale.0', { exact: true }).waitFor();
  expect(await p.getByRole('button', { name: 'Retry all' }).count()).toBe(0);
  expect(await p.getByRole('button', { name: 'Clean all' }).count()).toBe(0);
  await p.screenshot({ path: path.join(ARTIFACTS, 'dashboard-read-only.png'), fullPage: true });
  await p.context().close();
});
