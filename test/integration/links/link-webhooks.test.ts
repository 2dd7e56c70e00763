import { Writable } from 'node:stream';
import { tenantProducer } from '../../../src/producer/tenant-producer';
import { ClickEventDrainer } from '../../../src/shared/links/click-events';
import { createLogger } from '../../../src/shared/logger';
import { metricsRegistry } from '../../../src/shared/metrics';
import type { RecipientInput } from '../../../src/shared/types';
import type { ClickItem } from '../../../src/shared/webhooks/events';
import { campaignSettled, useCampaignStack } from '../../support/campaigns';
import { waitFor, waitUntil } from '../../support/env';
import { BROWSER_UA, followLink, WHATSAPP_UA } from '../../support/links';
import { ServerProcess } from '../../support/server-process';
import { newSecret, WebhookReceiver, type ReceivedEvent } from '../../support/webhook-receiver';

const BASE = 'https://s.example.com';
const secret = newSecret();
const receiver = new WebhookReceiver(secret);
beforeAll(() => receiver.up());
/** The drainer `smsq server` runs (server/index.ts starts it the same way): closed before the stack's server and Redis. */
let drainer: ClickEventDrainer | undefined;
afterAll(() => drainer?.close());
const stack = useCampaignStack('link-webhooks', {
  app: 'listen',
  env: () => ({ LINK_BASE_URL: BASE, WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret, WEBHOOK_BACKOFF_MS: '50' }),
  workers: 1,
});
beforeAll(() => {
  drainer = new ClickEventDrainer(stack.server.ctx).start();
});
afterAll(() => receiver.down());

const CHROME = BROWSER_UA;
const WHATSAPP = WHATSAPP_UA;
const SHORT = /https:\/\/s\.example\.com\/([0-9A-Za-z]{9})/g;

let nextNumber = 4_471_000_000;
function recipients(n: number): RecipientInput[] {
  return Array.from({ length: n }, (_, i) => {
    const number = String(nextNumber++);
    return { number, orderId: `o-${number}`, fields: { order: `A${1000 + i}` } };
  });
}

/** Follows a short link on the server (the stack's, unless told) as a browser (or `userAgent`) would; its status. */
const follow = async (code: string, opts: { userAgent?: string; method?: 'GET' | 'HEAD'; server?: string } = {}) =>
  (await followLink(opts.server ?? stack.url, code, { userAgent: opts.userAgent ?? CHROME, method: opts.method })).status;

/** Follows every code as a browser, 16 at a time, and expects each to redirect. */
async function followAll(codes: string[]): Promise<void> {
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < codes.length) expect(await follow(codes[next++])).toBe(302);
  };
  await Promise.all(Array.from({ length: 16 }, one));
}

/** Each recipient's short link codes, in its text's order, as the gateway received them. */
function codesOf(list: RecipientInput[]): string[][] {
  return list.map((r) => {
    const sent = stack.sim.ledger.byOrderId(r.orderId!);
    expect(sent).toHaveLength(1);
    return [...sent[0].content.matchAll(SHORT)].map((m) => m[1]);
  });
}

/** A campaign with tracked links, sent: its id and each recipient's codes. */
async function sentCampaign(list: RecipientInput[], content: string): Promise<{ campaignId: string; codes: string[][] }> {
  const { campaignId } = await stack.producer.enqueueCampaign({ content, recipients: list, trackLinks: true });
  await campaignSettled(stack.producer, campaignId);
  return { campaignId, codes: codesOf(list) };
}

function linkEvents(campaignId: string): ReceivedEvent[] {
  return receiver.events().filter((e) => e.type === 'link.clicked' && e.data.campaignId === campaignId);
}

const clicksIn = (events: ReceivedEvent[]) => events.flatMap((e) => e.data.clicks as ClickItem[]);

/** The clicks of a campaign's link.clicked events, once they hold `n`. */
function clicksUntil(campaignId: string, n: number): Promise<ClickItem[]> {
  return waitFor(`${n} clicks of ${campaignId}`, () => {
    const clicks = clicksIn(linkEvents(campaignId));
    return clicks.length >= n ? clicks : undefined;
  });
}

/** Every event created so far has been delivered: nothing waits, runs or is delayed. */
async function webhooksDrained(): Promise<void> {
  await waitUntil('the webhooks queue to drain', async () => {
    const counts = await stack.ctx.queues.webhooks.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  });
}

const queuedClicks = () => stack.ctx.redis.llen(stack.ctx.keys.clickEvents());

/** Stops the drainer, so that a test sees what clicks queue; `resume` starts it again (with this logger). */
async function pauseDrainer(): Promise<void> {
  await drainer?.close();
  drainer = undefined;
}
function resumeDrainer(log = stack.server.ctx.log): void {
  drainer = new ClickEventDrainer({ ...stack.server.ctx, log }).start();
}

/** A logger whose lines the test reads. */
function capture(): { log: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  const lines = () =>
    text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log: createLogger('info', 'smsq', sink), lines };
}

/** A sortable key of a click, without its time. */
const clickKey = (c: Pick<ClickItem, 'orderId' | 'number' | 'url' | 'firstClick'>) => `${c.orderId} ${c.number} ${c.url} ${c.firstClick}`;

it('sends every click a browser makes as link.clicked events, signed, batched, each click once with its recipient and URL', async () => {
  const list = recipients(1_200);
  const { campaignId, codes } = await sentCampaign(
    list,
    'Order {{order}}: https://shop.example/o/{{order}} help https://shop.example/help',
  );
  const urls = (i: number) => [`https://shop.example/o/A${1000 + i}`, 'https://shop.example/help'];
  const expected: string[] = [];
  const click = (i: number, k: number, firstClick: boolean) => {
    expected.push(clickKey({ orderId: list[i].orderId!, number: list[i].number, url: urls(i)[k], firstClick }));
    return codes[i][k];
  };
  // Held while the clicks come in, so that one round finds more than it may take and sends the rest at once after.
  await pauseDrainer();
  const from = Date.now();
  // Every recipient's first click, on its first link; then every fourth one's other link and every tenth one's
  // first link again: clicks, but not its first.
  await followAll(list.map((_, i) => click(i, 0, true)));
  await followAll(list.flatMap((_, i) => [...(i % 4 === 0 ? [click(i, 1, false)] : []), ...(i % 10 === 0 ? [click(i, 0, false)] : [])]));
  const to = Date.now();
  expect(expected).toHaveLength(1_620);
  expect(await queuedClicks()).toBe(1_620);
  resumeDrainer();

  const clicks = await clicksUntil(campaignId, 1_620);
  await webhooksDrained();
  const events = linkEvents(campaignId);
  expect(clicksIn(events).map(clickKey).sort()).toEqual(expected.sort());
  // One event per campaign per round: a round takes at most 1,000 clicks.
  expect(events.length).toBeGreaterThanOrEqual(2);
  for (const e of events) expect((e.data.clicks as ClickItem[]).length).toBeLessThanOrEqual(1_000);
  for (const c of clicks) expect(Date.parse(c.clickedAt)).toBeGreaterThanOrEqual(from - 1);
  for (const c of clicks) expect(Date.parse(c.clickedAt)).toBeLessThanOrEqual(to + 1);
  // Numbered among the campaign's other events, after campaign.completed.
  const completed = receiver.events().find((e) => e.type === 'campaign.completed' && e.data.campaignId === campaignId)!;
  for (const e of events) expect(e.data.seq).toBeGreaterThan(completed.data.seq);
  const ids = new Set(events.map((e) => e.id));
  const calls = receiver.calls.filter((c) => ids.has(c.id));
  expect(calls.length).toBeGreaterThanOrEqual(events.length);
  expect(calls.every((c) => c.verified)).toBe(true);
  expect(await queuedClicks()).toBe(0);
  expect(await metricsRegistry.getSingleMetricAsString('smsq_webhook_events_total')).toMatch(/type="link.clicked",result="queued"} [1-9]/);
});

it("counts no robot's GET and no HEAD request as a click in any event", async () => {
  const list = recipients(2);
  const { campaignId, codes } = await sentCampaign(list, 'Sale: https://shop.example/sale');
  await pauseDrainer();
  expect(await follow(codes[0][0], { userAgent: WHATSAPP })).toBe(302);
  expect(await follow(codes[0][0], { method: 'HEAD' })).toBe(302);
  expect(await follow(codes[1][0], { method: 'HEAD' })).toBe(302);
  expect(await queuedClicks()).toBe(0);
  expect(await follow(codes[1][0])).toBe(302);
  expect(await queuedClicks()).toBe(1);
  resumeDrainer();

  await clicksUntil(campaignId, 1);
  await webhooksDrained();
  expect(clicksIn(linkEvents(campaignId)).map(clickKey)).toEqual([
    clickKey({ orderId: list[1].orderId!, number: list[1].number, url: 'https://shop.example/sale', firstClick: true }),
  ]);
  expect((await stack.producer.getCampaign(campaignId)).links).toMatchObject({ clicks: 1, previews: 3 });
});

it('queues no click of a campaign whose events go nowhere (a tenant without a webhook), and sends those of one whose go somewhere', async () => {
  const quiet = tenantProducer(stack.producer, stack.ctx, 'quiet');
  const quietList = recipients(3);
  const { campaignId: quietId } = await quiet.enqueueCampaign({
    content: 'See https://quiet.example/x',
    recipients: quietList,
    trackLinks: true,
  });
  await campaignSettled(quiet, quietId);
  const loudList = recipients(1);
  const { campaignId: loudId, codes: loudCodes } = await sentCampaign(loudList, 'See https://loud.example/x');

  await pauseDrainer();
  await followAll(codesOf(quietList).map((c) => c[0]));
  expect(await queuedClicks()).toBe(0);
  // Counted all the same: only the event is missing.
  expect((await quiet.getCampaign(quietId)).links).toMatchObject({ clicks: 3, clickers: 3 });
  await followAll([loudCodes[0][0]]);
  expect(await queuedClicks()).toBe(1);
  resumeDrainer();
  expect((await clicksUntil(loudId, 1)).map((c) => c.url)).toEqual(['https://loud.example/x']);
});

it('drops a click it cannot read and one whose batch is gone, saying how many, and sends the rest', async () => {
  const list = recipients(2);
  const { campaignId, codes } = await sentCampaign(list, 'See https://shop.example/drop');
  await pauseDrainer();
  const key = stack.ctx.keys.clickEvents();
  await stack.ctx.redis.rpush(key, 'not a click', `${campaignId}\t7\t0\t${Date.now()}\t1\thttps://shop.example/drop`);
  await followAll([codes[0][0]]);
  expect(await queuedClicks()).toBe(3);
  const { log, lines } = capture();
  resumeDrainer(log);

  expect((await clicksUntil(campaignId, 1)).map((c) => c.orderId)).toEqual([list[0].orderId]);
  const dropped = await waitFor('the dropped clicks logged', () => lines().find((l) => String(l.msg).includes('clicks dropped')));
  expect(dropped).toMatchObject({ level: 40, unreadable: 1, batchGone: 1 });
  expect(await queuedClicks()).toBe(0);
});

it('gives back the clicks whose event Redis refused, and sends them, once, when it answers again', async () => {
  const list = recipients(2);
  const { campaignId, codes } = await sentCampaign(list, 'See https://shop.example/retry');
  await pauseDrainer();
  await followAll(codes.map((c) => c[0]));
  // The campaign's record made unreadable (WRONGTYPE): creating its event fails as on a Redis that refuses.
  const record = stack.ctx.keys.campaign(campaignId);
  await stack.ctx.redis.rename(record, `${record}:aside`);
  await stack.ctx.redis.set(record, 'not a hash');
  const { log, lines } = capture();
  resumeDrainer(log);
  const refused = await waitFor('the refusal logged', () => lines().find((l) => String(l.msg).includes('events not created')));
  expect(refused).toMatchObject({ level: 40, clicks: 2 });
  // Given back, while the drainer waits before its next round.
  await waitUntil('the clicks given back', async () => (await queuedClicks()) === 2);

  await stack.ctx.redis.del(record);
  await stack.ctx.redis.rename(`${record}:aside`, record);
  await clicksUntil(campaignId, 2);
  await webhooksDrained();
  expect(
    clicksIn(linkEvents(campaignId))
      .map((c) => c.orderId)
      .sort(),
  ).toEqual(list.map((r) => r.orderId).sort());
  expect(await queuedClicks()).toBe(0);
});

it('runs in smsq server: the clicks on its links reach the receiver, and SIGTERM stops it', async () => {
  const list = recipients(3);
  const { campaignId, codes } = await sentCampaign(list, 'See https://shop.example/process');
  await pauseDrainer();
  const server = stack.process(new ServerProcess({ ...stack.env, SERVER_PORT: '0' }));
  const url = await server.url();
  for (const c of codes) expect(await follow(c[0], { server: url })).toBe(302);

  const clicks = await clicksUntil(campaignId, 3);
  expect(clicks.map((c) => c.orderId).sort()).toEqual(list.map((r) => r.orderId).sort());
  expect(await server.kill('SIGTERM')).toBe(0);
  resumeDrainer();
});
