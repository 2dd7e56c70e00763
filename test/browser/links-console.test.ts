/**
 * Tracked links in the campaign console, in a real browser (Debian's Chromium, driven by playwright-core): a
 * campaign whose link points at a landing page this file serves is sent through the simulator; a recipient's phone
 * (a browser with a phone's user agent) opens the short link its text carries, which is the app's own address
 * (LINK_BASE_URL), and lands on that page; the console's campaign page then shows the click, the clicker and the
 * click rate with a chart of clicks over time, and follows a second recipient's click and a link-preview robot's
 * visit (headless Chromium says it is one) as they come. A campaign without tracked links shows no clicks section,
 * and another tenant's login sees none of them. Screenshots are kept under test-artifacts/ for a person to look at.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { RecipientInput } from '../../src/shared/types';
import { ARTIFACTS, launchBrowser } from '../support/browser';
import { campaignSettled, resultsOf, useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { DASHBOARD } from '../support/server';

/** A phone's browser: headless Chromium's own user agent says it is a robot, whose visits are previews, not clicks. */
const PHONE = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
const LANDING_TEXT = 'Spring sale: 20% off everything';

/** A port nothing listens on now, for the app: the short links must carry its address before it listens. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

let appPort = 0;
let landing: Server;
let landingUrl = '';
let browser: Browser;

beforeAll(async () => {
  appPort = await freePort();
  // The shop's landing page the campaign's link points at.
  landing = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><title>Spring sale</title><h1>${LANDING_TEXT}</h1><p>You opened ${req.url}</p>`);
  });
  await new Promise<void>((resolve) => landing.listen(0, '127.0.0.1', resolve));
  landingUrl = `http://127.0.0.1:${(landing.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

// Declared before the stack: the browser and the landing page close before the app does.
afterAll(async () => {
  await browser?.close();
  landing?.closeAllConnections();
  await new Promise((resolve) => landing?.close(resolve));
});

const stack = useCampaignStack('links-console', {
  app: 'inject',
  env: () => ({ LINK_BASE_URL: `http://127.0.0.1:${appPort}/l` }),
  workers: 1,
});

// The app listens on the address its short links carry, so that the browser follows them as they were sent.
beforeAll(async () => {
  await stack.server.app.listen({ port: appPort, host: '127.0.0.1' });
});

const appUrl = () => `http://127.0.0.1:${appPort}`;
const ADMIN = { username: DASHBOARD.user, password: DASHBOARD.password };

let nextNumber = 447_712_300_000;
function recipients(count: number): RecipientInput[] {
  return Array.from({ length: count }, () => {
    const number = String(nextNumber++);
    return { number, orderId: `o-${number}` };
  });
}

async function newContext(opts: { login?: typeof ADMIN; userAgent?: string } = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1440, height: 1000 }, httpCredentials: opts.login, userAgent: opts.userAgent });
}

/** The short link in the text the gateway took for this recipient (exactly one text each). */
function shortLinkOf(r: RecipientInput): string {
  const sent = stack.sim.ledger.byOrderId(r.orderId!);
  expect(sent).toHaveLength(1);
  const links = sent[0].content.match(/https?:\/\/\S+/g) ?? [];
  expect(links).toHaveLength(1);
  return links[0] ?? '';
}

/** Opens a short link in `context` as its recipient would: where the browser lands, and the page's heading. */
async function follow(context: BrowserContext, link: string): Promise<{ url: string; heading: string | null }> {
  const p = await context.newPage();
  await p.goto(link);
  const out = { url: p.url(), heading: await p.locator('h1').textContent() };
  await p.close();
  return out;
}

const tile = (p: Page, name: string) => p.locator(`#clicks-tiles .tile-${name} dd`);
const chartPixels = (p: Page) => p.locator('#clicks-chart canvas').evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());

async function tileShows(p: Page, name: string, text: string): Promise<void> {
  await waitFor(`the ${name} tile to read ${text}`, async () => ((await tile(p, name).textContent()) === text ? true : undefined), 15_000);
}

it('shows a followed link on the campaign page: clicks, clickers, click rate, robots apart, and a chart of clicks', async () => {
  const list = recipients(3);
  const { campaignId } = await stack.producer.enqueueCampaign({
    campaignId: 'spring-links',
    content: `Spring sale, 20% off: ${landingUrl}/spring?src=sms`,
    recipients: list,
    trackLinks: true,
  });
  await campaignSettled(stack.producer, campaignId);
  const links = list.map(shortLinkOf);
  // Each recipient's text carries a link of its own to the app, not the landing page's address.
  expect(new Set(links).size).toBe(3);
  for (const link of links) expect(link).toMatch(new RegExp(`^${appUrl()}/l/[0-9A-Za-z]{9}$`));

  const phone = await newContext({ userAgent: PHONE });
  expect(await follow(phone, links[0])).toEqual({ url: `${landingUrl}/spring?src=sms`, heading: LANDING_TEXT });

  const consoleContext = await newContext({ login: ADMIN });
  const p = await consoleContext.newPage();
  await p.goto(`${appUrl()}/console/campaigns/${campaignId}`);
  await p.locator('#clicks:not([hidden])').waitFor();
  await tileShows(p, 'clicks', '1');
  expect(await tile(p, 'clickers').textContent()).toBe('1');
  expect(await tile(p, 'click-rate').textContent()).toBe('33.3%');
  expect(await tile(p, 'previews').textContent()).toBe('0');
  expect(await p.locator('#clicks-text').textContent()).toMatch(/^1 of the 3 recipients sent to clicked a link \(33\.3%\), 1 click in all/);
  await p.locator('#clicks-chart canvas').waitFor();
  expect(await p.locator('#clicks-empty').isHidden()).toBe(true);
  expect(await p.locator('#clicks-chart .u-legend').textContent()).toMatch(/clicks \/ minute.*click rate/);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-links-one-click.png'), fullPage: true });

  // A second recipient clicks, and a link-preview robot (headless Chromium's own user agent) fetches a third's link.
  const before = await chartPixels(p);
  expect((await follow(phone, links[1])).heading).toBe(LANDING_TEXT);
  const robot = await newContext();
  expect((await follow(robot, links[2])).heading).toBe(LANDING_TEXT);
  await tileShows(p, 'clicks', '2');
  await tileShows(p, 'previews', '1');
  expect(await tile(p, 'clickers').textContent()).toBe('2');
  expect(await tile(p, 'click-rate').textContent()).toBe('66.7%');
  // The chart is read again once the clicks have changed (at most every 10 s).
  await waitFor('the clicks chart to be redrawn', async () => ((await chartPixels(p)) !== before ? true : undefined), 30_000);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-links-campaign.png'), fullPage: true });

  // What the page shows is what the results say.
  expect((await resultsOf(stack.producer, campaignId)).map((r) => r.clicks)).toEqual([1, 1, 0]);
  expect((await stack.producer.getCampaign(campaignId)).links).toMatchObject({ clicks: 2, clickers: 2, previews: 1 });

  // The list: the tracked campaign's click rate, nothing for one without tracked links.
  await stack.producer.enqueueCampaign({ campaignId: 'plain-notice', content: 'Store closed on Monday', recipients: recipients(2) });
  await campaignSettled(stack.producer, 'plain-notice');
  await p.goto(`${appUrl()}/`);
  const clickRateOf = (id: string) => p.locator(`tr[data-campaign="${id}"] td`).nth(9);
  await p.locator('tr[data-campaign="plain-notice"]').waitFor();
  expect(await p.locator('#campaigns th').nth(9).textContent()).toBe('Click rate');
  expect(await clickRateOf(campaignId).textContent()).toBe('66.7%');
  expect(await clickRateOf(campaignId).getAttribute('title')).toBe('2 clicks by 2 recipients');
  expect(await clickRateOf('plain-notice').textContent()).toBe('');
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-links-list.png'), fullPage: true });
  await Promise.all([phone.close(), robot.close(), consoleContext.close()]);
});

it('shows no clicks section for a campaign without tracked links, and keeps clicks from another tenant', async () => {
  const list = recipients(2);
  const { campaignId } = await stack.producer.enqueueCampaign({
    campaignId: 'no-links',
    content: `Opening hours: ${landingUrl}/hours`,
    recipients: list,
  });
  const tracked = await stack.producer.enqueueCampaign({
    campaignId: 'admin-links',
    content: `Your voucher: ${landingUrl}/voucher`,
    recipients: recipients(1),
    trackLinks: true,
  });
  await campaignSettled(stack.producer, campaignId);
  await campaignSettled(stack.producer, tracked.campaignId);
  const context = await newContext({ login: ADMIN });
  const p = await context.newPage();
  const asked: string[] = [];
  p.on('request', (r) => asked.push(r.url()));
  await p.goto(`${appUrl()}/console/campaigns/${campaignId}`);
  await p.locator('#state', { hasText: 'completed' }).waitFor();
  expect(await p.locator('#clicks').isHidden()).toBe(true);
  // The link went out as it was written.
  expect(stack.sim.ledger.byOrderId(list[0].orderId!)[0].content).toBe(`Opening hours: ${landingUrl}/hours`);
  // Its first poll asked for the clicks over time, which an untracked campaign has none of; the next ones do not ask.
  await waitFor('a second poll', async () => (asked.filter((u) => u.includes('/overview')).length >= 2 ? true : undefined), 10_000);
  expect(asked.filter((u) => u.includes('/overview?clicks=true'))).toHaveLength(1);
  await p.screenshot({ path: path.join(ARTIFACTS, 'console-links-untracked.png'), fullPage: true });
  await context.close();

  // A tenant's login: the admin's tracked campaign is not found, its clicks included.
  const { key } = await stack.ctx.apiKeys.create({ name: 'shop-console', scope: 'tenant', tenant: 'shop' });
  const shop = await newContext({ login: { username: 'shop-ops', password: key } });
  const res = await shop.request.get(`${appUrl()}/console/api/campaigns/${tracked.campaignId}/overview?clicks=true`);
  expect(res.status()).toBe(404);
  expect(await res.text()).not.toMatch(/clicks|voucher/);
  const sp = await shop.newPage();
  await sp.goto(`${appUrl()}/console/campaigns/${tracked.campaignId}`);
  await sp.locator('#not-found:not([hidden])').waitFor();
  expect(await sp.locator('#clicks').isHidden()).toBe(true);
  await shop.close();
});
