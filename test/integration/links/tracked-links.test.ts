import type { RecipientInput } from '../../../src/shared/types';
import { BROWSER_UA, followLink, WHATSAPP_UA } from '../../support/links';
import { openApp } from '../../support/server';
import { campaignSettled, resultsOf, useCampaignStack } from '../../support/campaigns';

const BASE = 'https://s.example.com';
const stack = useCampaignStack('tracked-links', { app: 'listen', env: { LINK_BASE_URL: BASE }, workers: 2 });

const CHROME = BROWSER_UA;
const WHATSAPP = WHATSAPP_UA;
const SHORT = /https:\/\/s\.example\.com\/([0-9A-Za-z]{9})/g;

let nextNumber = 4_470_000_000;
function recipients(n: number): RecipientInput[] {
  return Array.from({ length: n }, (_, i) => ({
    number: String(nextNumber++),
    orderId: `o-${nextNumber}`,
    fields: { order: `A${1000 + i}` },
  }));
}

/** The codes of the short links in a text, in order. */
const codesIn = (text: string) => [...text.matchAll(SHORT)].map((m) => m[1]);

/** Follows a short link on the server as a browser (or `userAgent`; none when unset) would: its status and Location. */
const follow = (code: string, opts: { userAgent?: string; method?: 'GET' | 'HEAD' } = {}) =>
  followLink(stack.url, code, { userAgent: opts.userAgent ?? null, method: opts.method });

it('sends every recipient a short link of its own for its templated URL, which redirects to that URL and counts once', async () => {
  const list = recipients(1_200);
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Your order {{order}}: https://shop.example/o/{{order}}?src=sms (tracking), help at https://shop.example/help.',
    recipients: list,
    trackLinks: true,
  });
  await campaignSettled(stack.producer, campaignId);
  const codes = new Map<string, { orderId: string; url: string }>();
  for (const [i, r] of list.entries()) {
    const sent = stack.sim.ledger.byOrderId(r.orderId!);
    expect(sent).toHaveLength(1);
    const found = codesIn(sent[0].content);
    expect(found).toHaveLength(2);
    expect(sent[0].content).toBe(`Your order A${1000 + i}: ${BASE}/${found[0]} (tracking), help at ${BASE}/${found[1]}.`);
    codes.set(found[0], { orderId: r.orderId!, url: `https://shop.example/o/A${1000 + i}?src=sms` });
    codes.set(found[1], { orderId: r.orderId!, url: 'https://shop.example/help' });
  }
  // Every link of every text has a code of its own: 2,400 distinct codes.
  expect(codes.size).toBe(2_400);

  const followed = [...codes.entries()].filter(([, v], i) => i % 2 === 0 && Number(v.orderId.slice(-3)) % 4 === 0);
  for (const [code, { url }] of followed) {
    const res = await follow(code, { userAgent: CHROME });
    expect(res).toMatchObject({ status: 302, location: url });
  }
  const clickedIds = new Set(followed.map(([, v]) => v.orderId));
  const out = await resultsOf(stack.producer, campaignId);
  for (const r of out) {
    if (clickedIds.has(r.orderId)) {
      expect(r.clicks).toBe(1);
      expect(Date.parse(r.firstClickAt!)).not.toBeNaN();
    } else {
      expect(r.clicks).toBe(0);
      expect(r.firstClickAt).toBeUndefined();
    }
  }
  const info = await stack.producer.getCampaign(campaignId);
  expect(info.links).toMatchObject({ clicks: followed.length, clickers: clickedIds.size, previews: 0 });
});

it('counts a robot, a HEAD request and a request without a user agent apart, and a second click on the clicks', async () => {
  const list = recipients(3);
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Sale: https://shop.example/sale',
    recipients: list,
    trackLinks: true,
  });
  await campaignSettled(stack.producer, campaignId);
  const [code] = codesIn(stack.sim.ledger.byOrderId(list[0].orderId!)[0].content);
  expect(await follow(code, { userAgent: WHATSAPP })).toMatchObject({ status: 302, location: 'https://shop.example/sale' });
  expect(await follow(code, { userAgent: CHROME, method: 'HEAD' })).toMatchObject({ status: 302, location: 'https://shop.example/sale' });
  expect(await follow(code)).toMatchObject({ status: 302 });
  let [first] = await resultsOf(stack.producer, campaignId);
  expect(first.clicks).toBe(0);
  expect((await stack.producer.getCampaign(campaignId)).links).toMatchObject({ clicks: 0, clickers: 0, previews: 3 });

  await follow(code, { userAgent: CHROME });
  await follow(code, { userAgent: CHROME });
  [first] = await resultsOf(stack.producer, campaignId);
  expect(first.clicks).toBe(2);
  expect((await stack.producer.getCampaign(campaignId)).links).toMatchObject({ clicks: 2, clickers: 1, previews: 3 });
});

it('answers an unknown code, a malformed one and one whose campaign has expired with a plain 404', async () => {
  for (const path of ['ZZZZZZZZZ', 'abc', 'a-b_c.d~e']) {
    const res = await follow(path, { userAgent: CHROME });
    expect(res.status).toBe(404);
  }
  const res = await follow('ZZZZZZZZZ', { userAgent: CHROME });
  expect(res.body).toMatch(/unknown, or it has expired/);

  const list = recipients(2);
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'See https://shop.example/x',
    recipients: list,
    trackLinks: true,
  });
  await campaignSettled(stack.producer, campaignId);
  const [code] = codesIn(stack.sim.ledger.byOrderId(list[0].orderId!)[0].content);
  expect((await follow(code, { userAgent: CHROME })).status).toBe(302);
  // The campaign's results expire (the retention passed): its links go with them.
  await stack.ctx.redis.del(stack.ctx.keys.campaign(campaignId));
  expect((await follow(code, { userAgent: CHROME })).status).toBe(404);
});

it('refuses trackLinks without LINK_BASE_URL, and a fixed text with no link, naming the field', async () => {
  const other = await stack.openProducer({ links: { basePath: '', missLimit: 60 } });
  await expect(
    other.enqueueCampaign({ content: 'See https://shop.example/x', recipients: recipients(1), trackLinks: true }),
  ).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
    message: expect.stringContaining('trackLinks: needs LINK_BASE_URL'),
  });
  await expect(
    stack.producer.enqueueCampaign({ content: 'No link here', recipients: recipients(1), trackLinks: true }),
  ).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
    message: expect.stringContaining('trackLinks: the content has no http:// or https:// link to track'),
  });
});

it("counts a preview's segments with each link as long as its short link, equal to what the gateway charged", async () => {
  const longUrl = `https://shop.example/campaigns/spring/${'x'.repeat(90)}?utm_source=sms&utm_medium=text`;
  const list = recipients(40);
  const opts = { content: `Spring sale, 20% off everything this week only: ${longUrl}&o={{order}}`, recipients: list, trackLinks: true };
  const preview = await stack.producer.previewCampaign(opts);
  // The original text is two segments; with a 31-character short link it is one.
  expect(preview.segments).toBe(40);
  expect(preview.samples[0].text).toBe(`Spring sale, 20% off everything this week only: ${BASE}/xxxxxxxxx`);
  const { campaignId } = await stack.producer.enqueueCampaign(opts);
  await campaignSettled(stack.producer, campaignId);
  const charged = list.reduce((n, r) => n + stack.sim.ledger.byOrderId(r.orderId!)[0].chargeCnt, 0);
  expect(charged).toBe(preview.segments);
});

it.each([
  ['-18 retries', { transientRate: 0.15 }, [] as number[]],
  ['-9 splits', {}, [7, 420]],
])('sends each recipient once, with a working link of its own, through %s', async (_what, faults, refused) => {
  const list = recipients(600);
  stack.sim.setFaults({ ...faults, abnormalNumbers: refused.map((i) => list[i].number) });
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Track order {{order}} at https://shop.example/t/{{order}}',
    recipients: list,
    trackLinks: true,
  });
  const info = await campaignSettled(stack.producer, campaignId);
  expect(info.counts).toMatchObject({ sent: 600 - refused.length, failed: refused.length, unknown: 0 });
  expect(stack.sim.stats().duplicates).toBe(0);
  const out = await resultsOf(stack.producer, campaignId);
  for (const i of refused) expect(out[i].code).toBe('-9');
  for (const [i, r] of list.entries()) {
    const sent = stack.sim.ledger.byOrderId(r.orderId!);
    expect(sent).toHaveLength(refused.includes(i) ? 0 : 1);
    if (sent.length === 1 && i % 25 === 0) {
      const [code] = codesIn(sent[0].content);
      expect(await follow(code, { userAgent: CHROME })).toMatchObject({ status: 302, location: `https://shop.example/t/A${1000 + i}` });
    }
  }
});

it('answers a link under its own host name on a server without a login (which refuses any other request under that name), and under a base path', async () => {
  const list = recipients(1);
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'See https://shop.example/p',
    recipients: list,
    trackLinks: true,
  });
  await campaignSettled(stack.producer, campaignId);
  const [code] = codesIn(stack.sim.ledger.byOrderId(list[0].orderId!)[0].content);
  const loopback = await openApp(stack.configWith({ DASHBOARD_USER: '', DASHBOARD_PASSWORD: '' }));
  const underPath = await openApp(stack.configWith({ LINK_BASE_URL: 'https://sms.example.com/l' }));
  try {
    const headers = { host: 's.example.com', 'user-agent': CHROME };
    const link = await loopback.app.inject({ method: 'GET', url: `/${code}`, headers });
    expect([link.statusCode, link.headers.location]).toEqual([302, 'https://shop.example/p']);
    expect(link.headers['cache-control']).toBe('private, no-store');
    expect((await loopback.app.inject({ method: 'GET', url: '/v1/campaigns', headers })).statusCode).toBe(403);
    expect((await loopback.app.inject({ method: 'GET', url: `/${code}x`, headers })).statusCode).toBe(403);
    const viaPath = await underPath.app.inject({ method: 'GET', url: `/l/${code}`, headers });
    expect([viaPath.statusCode, viaPath.headers.location]).toEqual([302, 'https://shop.example/p']);
  } finally {
    await loopback.close();
    await underPath.close();
  }
  expect((await resultsOf(stack.producer, campaignId))[0].clicks).toBe(2);
});

it('answers 503 with a plain page, and counts nothing, when Redis does not answer', async () => {
  const list = recipients(1);
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'See https://shop.example/q',
    recipients: list,
    trackLinks: true,
  });
  await campaignSettled(stack.producer, campaignId);
  const [code] = codesIn(stack.sim.ledger.byOrderId(list[0].orderId!)[0].content);
  const app = await openApp(stack.config);
  try {
    app.ctx.redis.disconnect();
    const res = await app.app.inject({ method: 'GET', url: `/${code}`, headers: { 'user-agent': CHROME } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('60');
    expect(res.body).toMatch(/cannot be followed right now/);
  } finally {
    await app.close();
  }
  expect((await resultsOf(stack.producer, campaignId))[0].clicks).toBe(0);
});
