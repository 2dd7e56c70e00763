import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (these machines cannot download a browser build); `npm test` installs it or says how. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots of the browser tests, for a person to look at (gitignored). */
export const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

/** A headless Chromium that makes no request of its own (updates, field trials) beside the page's. */
export function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** The console's page of one campaign, in a context of its own (1440×1000), logged in with `login`. */
export async function openCampaignPage(
  browser: Browser,
  baseUrl: string,
  campaignId: string,
  login: { user: string; password: string },
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 1000 },
    httpCredentials: { username: login.user, password: login.password },
  });
  const p = await context.newPage();
  await p.goto(`${baseUrl}/console/campaigns/${campaignId}`);
  return p;
}
