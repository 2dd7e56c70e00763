/**
 * A/B variants in the campaign console, in a real browser (Debian's Chromium, driven by playwright-core): the Canary
 * card of a campaign with variants shows them side by side, a column per text. While the canary holds: the texts
 * (escaped, cut to about 80 characters with the whole text in the title) and when they are judged; once judged:
 * each one's recipients, sent, delivered and click rates (reply rate only when replies are the measure), the measure's row marked and the winner's column
 * with a "winner" badge. The carriers filter variant A's wording (the simulator fails half of its messages), so B is
 * delivered better and wins. The worker's clock is moved past the hold once the reports are in: no test waits an hour.
 * A campaign with a canary and no variants has no variants table. Screenshots for a person to look at.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RecipientInput } from '../../src/shared/types';
import { ARTIFACTS, launchBrowser, openCampaignPage } from '../support/browser';
import { campaignSettled, useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { canaryClock } from '../support/canary-clock';
import { BROWSER_UA, followLink } from '../support/links';
import { DASHBOARD } from '../support/server';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
// Declared before the stack: the browser closes before the app does.
afterAll(async () => {
  await browser?.close();
});

const DLR_TOKEN = 'dlr-token-variants-console-0123';
const stack = useCampaignStack('variants-console', {
  app: 'listen',
  pushReports: true,
  env: { DLR_TOKEN, DLR_POLL_INTERVAL_MS: '0', LINK_BASE_URL: 'https://s.example.com' },
});
const { clock, judgeNow } = canaryClock(() => stack.ctx.queues.campaigns);

let nextNumber = 447_713_600_000;
function recipients(count: number): RecipientInput[] {
  return Array.from({ length: count }, () => {
    const number = String(nextNumber++);
    return { number, orderId: `o-${number}` };
  });
}

const campaignPage = (campaignId: string): Promise<Page> => openCampaignPage(browser, stack.url, campaignId, DASHBOARD);

const rowCells = (p: Page, row: string) => p.locator(`#variants-body tr[data-row="${row}"] td`).allTextContents();
const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

it('shows the variants side by side: their texts while the canary holds, then each one’s figures and the winner', async () => {
  await stack.worker(undefined, { clock });
  // Carriers filter variant A's wording: half of its messages are not delivered.
  stack.sim.setFaults({ undeliveredRateByText: { 'bit.ly': 0.5 }, reportDelayMs: 20, reportDelayJitterMs: 20 });
  const A = 'Spring <b>sale</b>: 20% off at bit.ly/spring and https://shop.example/sale';
  const B = 'Our spring sale starts today: 20% off everything in store and online until Sunday, see https://shop.example/sale';
  const list = recipients(600);
  const { campaignId } = await stack.producer.enqueueCampaign({
    campaignId: 'spring-variants',
    variants: [A, B],
    trackLinks: true,
    recipients: list,
    canary: 200,
    canaryHold: '1h',
  });
  await waitFor('the canary held with its reports in', async () => {
    const info = await stack.producer.getCampaign(campaignId);
    return info.canary?.state === 'holding' && info.delivery.pending === 0 ? info : undefined;
  });

  // While it holds: the texts, as text (escaped), and when they are judged.
  const p = await campaignPage(campaignId);
  await p.locator('#canary-variants:not([hidden]) #variants-body tr[data-row="text"]').waitFor({ timeout: 30_000 });
  expect(await p.locator('#variants-head th').allTextContents()).toEqual(['', 'A', 'B']);
  expect(await p.locator('#variants-body tr').count()).toBe(1);
  const textCells = p.locator('#variants-body tr[data-row="text"] td');
  expect(await textCells.nth(0).textContent()).toBe(A);
  expect(await textCells.nth(0).locator('b').count()).toBe(0);
  // B is longer than a cell shows: cut with an ellipsis, the whole in its title.
  const shown = (await textCells.nth(1).textContent())!;
  expect(shown.endsWith('…')).toBe(true);
  expect([...shown].length).toBeLessThanOrEqual(80);
  expect(B.startsWith(shown.slice(0, -1))).toBe(true);
  expect(await textCells.nth(1).getAttribute('title')).toBe(B);
  expect(await p.locator('#variants-note').textContent()).toBe(
    "2 texts split evenly over the canary, about 100 recipients each; judged by delivered rate when the canary's hold ends, and the best is sent to the rest of the list.",
  );
  expect(await p.locator('#variants-head .badge.winner').count()).toBe(0);
  await p.locator('#canary').screenshot({ path: path.join(ARTIFACTS, 'console-variants-holding.png') });

  // A few of each text's canary recipients follow their link; then the hold is over.
  const numbers = new Set(list.map((r) => r.number));
  const sent = [...stack.sim.ledger.entries()].filter((e) => numbers.has(e.number)).map((e) => e.content);
  const codeOf = (t: string) => /https:\/\/s\.example\.com\/(\w{9})/.exec(t)![1];
  const clickers = [...sent.filter((t) => t.startsWith('Spring')).slice(0, 2), ...sent.filter((t) => t.startsWith('Our')).slice(0, 6)];
  for (const t of clickers) expect((await followLink(stack.url, codeOf(t), { userAgent: BROWSER_UA })).status).toBe(302);
  await judgeNow(campaignId);
  const info = await campaignSettled(stack.producer, campaignId, 120_000);
  expect(info.state).toBe('completed');
  const v = info.variants!;
  expect(v.winner).toBe(1);
  const [fa, fb] = v.figures!;

  await p.locator('#variants-head th.winner .badge.winner').waitFor({ timeout: 30_000 });
  expect(await p.locator('#variants-head th').allTextContents()).toEqual(['', 'A', 'Bwinner']);
  expect(await p.locator('#variants-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row')))).toEqual([
    'text',
    'recipients',
    'sent',
    'delivered',
    'clicks',
  ]);
  expect(await rowCells(p, 'recipients')).toEqual([`${fa.recipients} (50.0%)`, `${fb.recipients} (50.0%)`]);
  expect(await rowCells(p, 'sent')).toEqual([String(fa.sent), String(fb.sent)]);
  expect(await rowCells(p, 'delivered')).toEqual([
    `${pct(fa.deliveredRate)} (${fa.delivered} of ${fa.sent})`,
    `${pct(fb.deliveredRate)} (${fb.delivered} of ${fb.sent})`,
  ]);
  expect(fb.deliveredRate).toBe(1);
  expect([fa.clickers, fb.clickers]).toEqual([2, 6]);
  expect(await rowCells(p, 'clicks')).toEqual([`${pct(fa.clickRate)} (2 of ${fa.sent})`, `${pct(fb.clickRate)} (6 of ${fb.sent})`]);
  // The measure's row is marked; the winner's column highlighted, down to its text.
  expect(await p.locator('#variants-body tr.measure').getAttribute('data-row')).toBe('delivered');
  expect(await p.locator('#variants-body tr.measure th .badge.measure').textContent()).toBe('measure');
  expect(await p.locator('#variants-body td.winner').count()).toBe(5);
  expect(await p.locator('#variants-body td.winner[data-variant="B"]').count()).toBe(5);
  expect(await p.locator('#variants-note').textContent()).toMatch(
    /B had the best delivered rate and is the text the rest of the list gets/,
  );

  await p.locator('#canary').screenshot({ path: path.join(ARTIFACTS, 'console-variants-judged.png') });
  // The clicks made before the hold ended are drawn at the next poll, not "No click yet" beside their count.
  await p.locator('#clicks-chart').waitFor({ state: 'visible', timeout: 30_000 });
  expect(await p.locator('#clicks-empty').isHidden()).toBe(true);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-variants-page.png'), fullPage: true });
  await p.context().close();
});

it('shows no variants table for a canary without variants', async () => {
  await stack.worker(undefined, { clock });
  const { campaignId } = await stack.producer.enqueueCampaign({
    campaignId: 'plain-canary',
    content: 'Opening hours changed',
    recipients: recipients(10),
    canary: 2,
    canaryHold: 0,
  });
  await campaignSettled(stack.producer, campaignId);
  const p = await campaignPage(campaignId);
  await p.locator('#canary .canary-state.released').waitFor({ timeout: 30_000 });
  expect(await p.locator('#canary-variants').isHidden()).toBe(true);
  await p.context().close();
});
