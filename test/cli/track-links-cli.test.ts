/**
 * Tracked links through the CLI as a user runs it: `smsq preview --track-links` counts the segments the gateway then
 * charges, `smsq enqueue --track-links` gives every recipient a short link of its own, and a click on one (followed
 * on `smsq server`) shows in `smsq results` and `smsq status`. Without LINK_BASE_URL the flag is refused.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { CampaignJson } from '../../src/shared/campaign/json';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { BROWSER_UA, followLink, WHATSAPP_UA } from '../support/links';
import { ServerProcess } from '../support/server-process';

const BASE = 'https://s.example.com';
const stack = useCampaignStack('cli-track-links', { producer: false, dir: true, env: { LOG_LEVEL: 'info', LINK_BASE_URL: BASE } });

const CHROME = BROWSER_UA;
const WHATSAPP = WHATSAPP_UA;
const SHORT = /https:\/\/s\.example\.com\/([0-9A-Za-z]{9})/g;
const CONTENT =
  'Hi {{name}}, your order {{order}} is on its way: https://shop.example/orders/{{order}}/track?utm_source=sms&utm_campaign=spring';
const link = (order: string) => `https://shop.example/orders/${order}/track?utm_source=sms&utm_campaign=spring`;

interface Row {
  number: string;
  name: string;
  order: string;
}

/**
 * Names of many lengths, some in Cyrillic (UCS-2, 70 characters a segment): the texts fall on both sides of a
 * segment's end, with their long links and with short ones, so that a miscount of the short link's length shows.
 */
async function recipientsCsv(file: string, n: number, first: number): Promise<Row[]> {
  const rows = Array.from({ length: n }, (_, i) => ({
    number: String(first + i),
    name: (i % 5 === 0 ? 'Дарья' : 'Ana').repeat(1 + (i % 17)),
    order: `A${10_000 + i}`,
  }));
  await writeFile(path.join(stack.dir, file), `number,name,order\n${rows.map((r) => `${r.number},${r.name},${r.order}`).join('\n')}\n`);
  return rows;
}

/** Follows a short link on the server as a browser (or `userAgent`) would: its status and Location. */
const follow = async (serverUrl: string, code: string, userAgent: string) => {
  const { status, location } = await followLink(serverUrl, code, { userAgent });
  return { status, location };
};

it('sends each recipient a short link of its own, charged as previewed, and shows a click in results and status', async () => {
  const rows = await recipientsCsv('orders.csv', 500, 447_755_100_000);
  const file = path.join(stack.dir, 'orders.csv');
  const preview = async (...flags: string[]) => {
    const res = await runSmsq(['preview', file, '--content', CONTENT, '--json', ...flags], stack.env);
    expect(res.code).toBe(0);
    return JSON.parse(res.stdout) as { segments: number; samples: Array<{ text: string }> };
  };
  const plain = await preview();
  const tracked = await preview('--track-links');
  expect(tracked.segments).toBeLessThan(plain.segments);
  expect(tracked.samples[0].text).toBe(`Hi ${rows[0].name}, your order ${rows[0].order} is on its way: ${BASE}/xxxxxxxxx`);

  const server = stack.process(new ServerProcess(stack.env, ['--port', '0']));
  const worker = stack.workerProcess();
  const [url] = await Promise.all([server.url(), worker.started()]);
  const enqueue = await runSmsq(['enqueue', file, '--content', CONTENT, '--campaign-id', 'tracked', '--track-links'], stack.env);
  expect(enqueue.code).toBe(0);
  expect((await runSmsq(['wait', 'tracked', '--timeout', '60'], stack.env)).code).toBe(0);

  const sent = new Map([...stack.sim.ledger.entries()].map((e) => [e.number, e]));
  const codes = new Set<string>();
  for (const r of rows) {
    expect(stack.sim.ledger.countFor(r.number)).toBe(1);
    const text = sent.get(r.number)!.content;
    const found = [...text.matchAll(SHORT)].map((m) => m[1]);
    expect(found).toHaveLength(1);
    expect(text).toBe(`Hi ${r.name}, your order ${r.order} is on its way: ${BASE}/${found[0]}`);
    codes.add(found[0]);
  }
  expect(codes.size).toBe(rows.length);
  expect(rows.reduce((n, r) => n + sent.get(r.number)!.chargeCnt, 0)).toBe(tracked.segments);

  const clicked = rows[7];
  const [code] = [...sent.get(clicked.number)!.content.matchAll(SHORT)].map((m) => m[1]);
  expect(await follow(url, code, WHATSAPP)).toEqual({ status: 302, location: link(clicked.order) });
  expect(await follow(url, code, CHROME)).toEqual({ status: 302, location: link(clicked.order) });

  const results = await runSmsq(['results', 'tracked'], stack.env);
  expect(results.code).toBe(0);
  const records = parse<Record<string, string>>(results.stdout, { columns: true });
  expect(records.map((r) => r.number)).toEqual(rows.map((r) => r.number));
  for (const rec of records) {
    if (rec.number === clicked.number) {
      expect(rec.clicks).toBe('1');
      expect(Date.parse(rec.firstClickAt)).not.toBeNaN();
    } else expect([rec.clicks, rec.firstClickAt]).toEqual(['0', '']);
  }

  const status = await runSmsq(['status', 'tracked'], stack.env);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain('  clicks 1 by 1 recipient (0.2% of sent), 1 robot or HEAD visit not counted\n');
  const json = await runSmsq(['status', 'tracked', '--json'], stack.env);
  expect((JSON.parse(json.stdout) as CampaignJson).links).toEqual({
    baseUrl: BASE,
    clicks: 1,
    clickers: 1,
    clickRate: 1 / 500,
    previews: 1,
  });
});

it('refuses --track-links without LINK_BASE_URL, naming it, and for a text with no link; nothing is queued', async () => {
  await recipientsCsv('few.csv', 3, 447_755_200_000);
  const file = path.join(stack.dir, 'few.csv');
  const noBase = { ...stack.env, LINK_BASE_URL: '' };
  for (const command of ['enqueue', 'preview']) {
    const res = await runSmsq([command, file, '--content', CONTENT, '--campaign-id', 'untracked', '--track-links'], noBase);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('trackLinks: needs LINK_BASE_URL');
  }
  const noLink = await runSmsq(
    ['enqueue', file, '--content', 'Spring sale today', '--campaign-id', 'untracked', '--track-links'],
    stack.env,
  );
  expect(noLink.code).toBe(1);
  expect(noLink.stderr).toContain('trackLinks: the content has no http:// or https:// link to track');

  const status = await runSmsq(['status', 'untracked'], stack.env);
  expect(status.code).toBe(1);
  expect(status.stderr).toContain('[CAMPAIGN_NOT_FOUND]');
  for (let i = 0; i < 3; i++) expect(stack.sim.ledger.countFor(String(447_755_200_000 + i))).toBe(0);
});
