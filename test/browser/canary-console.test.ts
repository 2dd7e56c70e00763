/**
 * A campaign's canary in the campaign console, in a real browser (Debian's Chromium, driven by playwright-core): a
 * campaign whose canary fails its failed-rate gate (the simulator refuses a third of the list) is shown paused, its
 * Canary card saying it was stopped by a gate with the failed rate against its limit marked failed; the operator's
 * Resume (the page's button, after its confirmation) sends the rest, each number at most once, and the card then says
 * released. A canary without a gate says it only holds; a campaign without a canary has no card. Screenshots are
 * kept under test-artifacts/ for a person to look at.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { STALL_AFTER_MS, stallOf } from '../../src/server/console/stall';
import type { RecipientInput } from '../../src/shared/types';
import { ARTIFACTS, launchBrowser, openCampaignPage } from '../support/browser';
import { campaignSettled, useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { DASHBOARD } from '../support/server';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
// Declared before the stack: the browser closes before the app does.
afterAll(async () => {
  await browser?.close();
});

const stack = useCampaignStack('canary-console', { app: 'listen', workers: 1 });

let nextNumber = 447_713_400_000;
function recipients(count: number): RecipientInput[] {
  return Array.from({ length: count }, () => {
    const number = String(nextNumber++);
    return { number, orderId: `o-${number}` };
  });
}

const campaignPage = (campaignId: string): Promise<Page> => openCampaignPage(browser, stack.url, campaignId, DASHBOARD);

const gateCells = (p: Page, gate: string) => p.locator(`#canary-gates tr[data-gate="${gate}"] td`).allTextContents();

it('shows a campaign its canary stopped as paused with the failed gate marked, and Resume sends the rest, each number at most once', async () => {
  const list = recipients(300);
  const refused = new Set(list.filter((_, i) => i % 3 === 0).map((r) => r.number));
  stack.sim.setFaults({ refuseNumbers: [...refused] });
  const { campaignId } = await stack.producer.enqueueCampaign({
    campaignId: 'spring-canary',
    content: 'Spring sale: 20% off today',
    recipients: list,
    canary: '10%',
    canaryHold: 0,
    maxFailedRate: 0.1,
  });

  const p = await campaignPage(campaignId);
  await p.locator('#canary .canary-state.stopped').waitFor({ timeout: 30_000 });
  await p.locator('#state', { hasText: 'paused' }).waitFor();
  const stopped = await stack.producer.getCampaign(campaignId);
  expect(stopped.paused?.by).toBe('canary');
  const f = stopped.canary!.figures!;
  // Only the canary reached the gateway: its sent ones, once each.
  expect(list.filter((r) => stack.sim.ledger.countFor(r.number) > 0)).toHaveLength(f.sent);
  expect(f.failedRate).toBeGreaterThan(0.1);

  expect(await p.locator('#canary-state strong').textContent()).toBe(
    'stopped by a gate: the campaign is paused — Resume sends the rest, Cancel ends it',
  );
  expect(await gateCells(p, 'maxFailedRate')).toEqual([
    'failed rate',
    'at most 10.0%',
    `${(f.failedRate! * 100).toFixed(1)}% (${f.failed} of ${f.called} called)`,
    'failed',
  ]);
  expect(await p.locator('#canary-gates tr[data-gate="maxFailedRate"]').getAttribute('class')).toBe('failed');
  // Only the gate that was set has a row.
  expect(await p.locator('#canary-gates tr').count()).toBe(1);
  expect(await p.locator('#canary-facts').textContent()).toContain(`size${stopped.canary!.size} of 300 recipients`);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-canary-stopped.png'), fullPage: true });

  // The operator resumes it with the page's button; the confirmation says what that sends.
  await p.locator('[data-action="resume"]:not([disabled])').click();
  expect(await p.locator('#confirm-text').textContent()).toBe(
    `Resume this campaign? Its canary failed a gate; resuming sends the rest of its list (${300 - stopped.canary!.size} recipients) all the same.`,
  );
  await p.locator('#confirm-yes').click();
  const done = await campaignSettled(stack.producer, campaignId);
  expect(done.state).toBe('completed');
  expect(done.counts).toMatchObject({ total: 300, sent: 200, failed: 100, pending: 0 });
  // Every number the gateway took was sent once, and none it refused.
  for (const r of list) expect(stack.sim.ledger.countFor(r.number)).toBe(refused.has(r.number) ? 0 : 1);
  expect(stack.sim.stats().duplicates).toBe(0);

  await p.locator('#canary .canary-state.released').waitFor();
  await p.locator('#state', { hasText: 'completed' }).waitFor();
  expect(await p.locator('#canary-state strong').textContent()).toBe('released: the rest was sent');
  expect(await p.locator('#canary-state span').textContent()).toMatch(/failed a gate and the campaign was resumed/);
  // The canary's figures are those it was judged on: the gate stays marked failed.
  expect((await gateCells(p, 'maxFailedRate'))[3]).toBe('failed');
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-canary-resumed.png'), fullPage: true });
  await p.context().close();
});

it('shows a canary that holds with the time its gates are judged, and its gate not judged yet', async () => {
  const list = recipients(10);
  const { campaignId } = await stack.producer.enqueueCampaign({
    campaignId: 'long-hold',
    content: 'New opening hours',
    recipients: list,
    canary: 2,
    canaryHold: '1h',
    maxFailedRate: 0.5,
  });
  const p = await campaignPage(campaignId);
  await p.locator('#canary .canary-state.holding').waitFor({ timeout: 30_000 });
  const { canary } = await stack.producer.getCampaign(campaignId);
  // The page's own clock words for the hold's end (its canary settled, plus the hour): the time, and the date when
  // that is not today (a test run in the hour before midnight).
  const until = await p.evaluate((ms) => {
    const d = new Date(ms);
    const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return d.toDateString() === new Date().toDateString() ? hm : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${hm}`;
  }, canary!.sentAt! + 3_600_000);
  expect(await p.locator('#canary-state strong').textContent()).toBe(`holding until ${until}`);
  expect(await gateCells(p, 'maxFailedRate')).toEqual(['failed rate', 'at most 50.0%', '–', 'not judged yet']);
  // Only the canary went out.
  expect(list.filter((r) => stack.sim.ledger.countFor(r.number) > 0)).toHaveLength(2);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-canary-holding.png'), fullPage: true });
  expect(await p.locator('#progress-text').textContent()).toBe('2 of 10 recipients settled (20%) · the rest waits for its canary');

  // Not stalled while it holds, though nothing moves: only if nothing moves for a while past the hold's end.
  const record = await stack.ctx.campaigns.read(campaignId);
  const holdEnd = canary!.sentAt! + 3_600_000;
  const queue = { paused: false, accountStop: null, workers: 1 };
  expect(stallOf(holdEnd - 60_000, record, 8, undefined, { count: 0 }, queue)).toBeUndefined();
  expect(stallOf(holdEnd + STALL_AFTER_MS + 1_000, record, 8, undefined, { count: 0 }, queue)).toEqual({ since: holdEnd, reasons: [] });
  await stack.producer.cancelCampaign(campaignId);
  await p.context().close();
});

it('says a canary without a gate only holds, and shows no card for a campaign without a canary', async () => {
  const held = await stack.producer.enqueueCampaign({
    campaignId: 'held-canary',
    content: 'Opening hours changed',
    recipients: recipients(20),
    canary: 4,
    canaryHold: 0,
  });
  const plain = await stack.producer.enqueueCampaign({
    campaignId: 'no-canary',
    content: 'Store closed on Monday',
    recipients: recipients(5),
  });
  const info = await campaignSettled(stack.producer, held.campaignId);
  expect(info.counts).toMatchObject({ sent: 20, pending: 0 });
  await campaignSettled(stack.producer, plain.campaignId);

  const p = await campaignPage(held.campaignId);
  await p.locator('#canary .canary-state.released').waitFor();
  expect(await p.locator('#canary-state strong').textContent()).toBe('released: the rest was sent');
  expect(await p.locator('#canary-no-gate').textContent()).toBe(
    'No gate set: the canary only holds, for 0 s once it is settled, then the rest is released.',
  );
  expect(await p.locator('#canary-gates-table').isHidden()).toBe(true);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-canary-no-gate.png'), fullPage: true });

  await p.goto(`${stack.url}/console/campaigns/${plain.campaignId}`);
  await p.locator('#state', { hasText: 'completed' }).waitFor();
  // Its first answer is in: the card stays hidden.
  await waitFor('the counts', async () => ((await p.locator('#counts .tile-sent dd').textContent()) === '5' ? true : undefined));
  expect(await p.locator('#canary').isHidden()).toBe(true);
  await p.context().close();
});
