/**
 * The console tells the truth about campaigns that went wrong, in a real browser: one that stopped moving because a
 * batch job failed (stalled since …, with the failed job and its reason, no estimate to finish), one that lost
 * recipients (a warning with its numbers, never a green `completed`), and one cancelled part-way (how many were
 * processed of its total, not 100%). Screenshots go to test-artifacts/ for a person to look at.
 *
 * The server reads a clock set past STALL_AFTER_MS ahead (the clock is injected, as schedules' are), so that a
 * campaign stalls on the page without the test waiting out a minute of wall-clock time.
 */
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { createProducer, type Producer } from '../../src/producer';
import { buildApp } from '../../src/server/app';
import { STALL_AFTER_MS } from '../../src/server/console/stall';
import { offsetClock } from '../../src/shared/time/clock';
import type { Config } from '../../src/shared/config';
import { createContext, type Context } from '../../src/shared/context';
import { createLogger } from '../../src/shared/logger';
import type { CampaignInfo } from '../../src/shared/types';
import { startSimulator, type Simulator } from '../../src/simulator';
import { startWorker, type SmsqWorker } from '../../src/worker/worker';
import { ARTIFACTS, launchBrowser } from '../support/browser';
import { deletePrefix, uniquePrefix, waitFor } from '../support/env';
import { DASHBOARD, serverConfig } from '../support/server';

const prefix = uniquePrefix('console-truth');
const log = createLogger('silent');
let sim: Simulator;
let config: Config;
let ctx: Context;
let app: FastifyInstance;
let url: string;
let producer: Producer;
let worker: SmsqWorker;
let browser: Browser;

const numbers = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ number: String(from + i) }));

beforeAll(async () => {
  sim = await startSimulator();
  config = serverConfig(prefix, sim.baseUrl, { SMS_BATCH_SIZE: '10' });
  ctx = await createContext(config, log, 'client', { clock: offsetClock(STALL_AFTER_MS + 30_000) });
  app = buildApp(ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  producer = await createProducer(config, log);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await producer?.close();
  await app?.close();
  await ctx?.close();
  await sim?.close();
  await deletePrefix(prefix);
});

async function open(path_: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 1000 },
    httpCredentials: { username: DASHBOARD.user, password: DASHBOARD.password },
  });
  const p = await context.newPage();
  await p.goto(`${url}${path_}`);
  return p;
}

const until = (campaignId: string, done: (i: CampaignInfo) => boolean, what: string) =>
  waitFor(
    what,
    async () => {
      const i = await producer.getCampaign(campaignId);
      return done(i) ? i : undefined;
    },
    60_000,
  );

it('shows a campaign whose batch job failed as stalled since it last moved, with the failed job and why, and no time to finish', async () => {
  // Three batches; the record of the second is lost before any worker runs, so its job fails for good (outside the
  // outcome table) and its ten recipients stay pending: the campaign stays running and never moves again.
  await producer.enqueueCampaign({ campaignId: 'stuck', content: 'Stuck', recipients: numbers(447_700_910_000, 30) });
  await ctx.redis.del(`${prefix}:campaign:stuck:batch:1`);
  worker = await startWorker(config, log);
  await waitFor(
    "batch 1's job to fail",
    async () => ((await ctx.queues.batches.getJob('b.stuck.1'))?.failedReason ? true : undefined),
    60_000,
  );
  const info = await until('stuck', (i) => i.counts.sent === 20, 'the other two batches to be sent');
  expect(info).toMatchObject({ state: 'running', counts: { pending: 10 } });

  const p = await open('/console/campaigns/stuck');
  await p.locator('#stalled:not([hidden])').waitFor();
  const progress = await p.locator('#progress-text').textContent();
  expect(progress).toMatch(/^20 of 30 recipients settled \(66%\) · stalled since /);
  expect(progress).not.toMatch(/to go/);
  expect(await p.locator('#health').textContent()).toMatch(
    /Stalled since .*: 1 batch job failed \(first: batch 1 of campaign stuck has no record.*\): their recipients stay pending until retried in bull-board/,
  );
  expect(await p.locator('#batches dt', { hasText: 'failed jobs' }).locator('xpath=following-sibling::dd[1]').textContent()).toBe('1');
  expect(await p.locator('#batches dt', { hasText: 'finish in' }).locator('xpath=following-sibling::dd[1]').textContent()).toBe(
    'not while stalled',
  );
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-campaign-stalled.png'), fullPage: true });
  await p.context().close();
}, 120_000);

it('shows a campaign that lost recipients as a warning with its numbers, not a green completed', async () => {
  // A list read twice whose second reading differs at row 21: the two batches before it send, the rest was never
  // queued (INPUT_CHANGED), and the campaign completes with 30 of its 50 rows lost.
  let readings = 0;
  const rows = (changed: boolean) =>
    async function* () {
      for (let row = 1; row <= 50; row++) yield { row, input: { number: String(447_700_920_000 + (changed && row === 21 ? 99 : row)) } };
    };
  const err = await producer
    .enqueueCampaign({ campaignId: 'lost', content: 'Lost', rows: () => rows(++readings === 2)() })
    .catch((e: Error) => e);
  expect(err).toMatchObject({ code: 'INPUT_CHANGED' });
  const info = await until('lost', (i) => i.state === 'completed', 'the lost campaign to complete');
  expect(info.counts).toMatchObject({ sent: 20, total: 20 });
  expect(info.unstaged?.count).toBe(30);
  expect([...sim.ledger.entries()].filter((e) => e.content === 'Lost')).toHaveLength(20);

  const p = await open('/console/campaigns/lost');
  await p.locator('#state.warning', { hasText: 'completed · 30 never queued' }).waitFor();
  expect(await p.locator('#health').textContent()).toMatch(/30 recipients were never queued: .*nobody sent them/);
  // Out of the 50 it was given: a campaign that lost recipients never shows 100%.
  expect(await p.locator('#progress-text').textContent()).toMatch(/20 of 50 recipients settled \(40%\) · 30 of them never queued/);
  expect(await p.locator('.bar.big').getAttribute('aria-valuenow')).toBe('40');
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-campaign-lost.png'), fullPage: true });
  await p.context().close();
}, 120_000);

it('shows a campaign cancelled part-way with how many were processed of its total, not 100%', async () => {
  // Ten recipients a second: cancelled once its first batches are sent, most of it is never processed.
  await producer.enqueueCampaign({ campaignId: 'halted', content: 'Halted', maxRate: 10, recipients: numbers(447_700_930_000, 100) });
  await until('halted', (i) => i.counts.sent >= 10, 'the first batch to be sent');
  await producer.cancelCampaign('halted');
  const info = await until('halted', (i) => i.state === 'cancelled' && i.counts.pending === 0, 'the cancel to settle every recipient');
  const processed = info.counts.total - info.counts.cancelled;
  expect(processed).toBe(info.counts.sent);
  expect(processed).toBeLessThan(100);
  expect([...sim.ledger.entries()].filter((e) => e.content === 'Halted')).toHaveLength(info.counts.sent);

  const p = await open('/console/campaigns/halted');
  await p.locator('#state', { hasText: 'cancelled' }).waitFor();
  const share = Math.floor((100 * processed) / 100);
  expect(await p.locator('#progress-text').textContent()).toBe(
    `Cancelled after ${processed} of 100 recipients were processed (${share}%) · ${info.counts.cancelled} cancelled`,
  );
  expect(await p.locator('.bar.big').getAttribute('aria-valuenow')).toBe(String(Math.round(share)));
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-campaign-cancelled-partway.png'), fullPage: true });
  await p.context().close();

  // The list says the same: the lost campaign as a warning, the cancelled one at its processed share.
  const list = await open('/');
  await list.locator('tr[data-campaign="lost"] .badge.warning', { hasText: '30 never queued' }).waitFor();
  expect(await list.locator('tr[data-campaign="halted"] .bar-row span').textContent()).toBe(`${share}%`);
  expect(await list.locator('tr[data-campaign="lost"] .bar-row span').textContent()).toBe('40%');
  await list.screenshot({ path: path.join(ARTIFACTS, 'console-list-warnings.png'), fullPage: true });
  await list.context().close();
}, 120_000);
