/**
 * Clicks waiting for their link.clicked event are capped at WEBHOOK_MAX_QUEUED: past it each new click drops the
 * oldest waiting one, counted apart from dropped events (`result="click-dropped"`), and the clicks themselves still
 * count on the campaign. No drainer runs here, so every click waits.
 */
import { metricsRegistry } from '../../../src/shared/metrics';
import { campaignSettled, useCampaignStack } from '../../support/campaigns';
import { BROWSER_UA, followLink } from '../../support/links';
import { newSecret, WebhookReceiver } from '../../support/webhook-receiver';

const secret = newSecret();
const receiver = new WebhookReceiver(secret);
beforeAll(() => receiver.up());
afterAll(() => receiver.down());
const stack = useCampaignStack('click-drops', {
  app: 'listen',
  env: () => ({ LINK_BASE_URL: 'https://s.example.com', WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret, WEBHOOK_MAX_QUEUED: '3' }),
  workers: 1,
});

async function counted(result: string): Promise<number> {
  const text = await metricsRegistry.getSingleMetricAsString('smsq_webhook_events_total');
  const m = new RegExp(`type="link.clicked",result="${result}"} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

it('keeps the newest WEBHOOK_MAX_QUEUED clicks waiting, counts each dropped one as click-dropped, and every click on the campaign', async () => {
  const numbers = Array.from({ length: 5 }, (_, i) => String(447_700_950_000 + i));
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'See https://shop.example/a',
    recipients: numbers.map((number) => ({ number })),
    trackLinks: true,
  });
  await campaignSettled(stack.producer, campaignId);
  const codes = [...stack.sim.ledger.entries()].map((e) => /s\.example\.com\/(\w{9})/.exec(e.content)![1]);
  const before = { clickDropped: await counted('click-dropped'), dropped: await counted('dropped') };
  for (const code of codes) expect((await followLink(stack.url, code, { userAgent: BROWSER_UA })).status).toBe(302);
  expect(await stack.ctx.redis.llen(stack.ctx.keys.clickEvents())).toBe(3);
  expect((await counted('click-dropped')) - before.clickDropped).toBe(2);
  expect((await counted('dropped')) - before.dropped).toBe(0);
  expect((await stack.producer.getCampaign(campaignId)).links).toMatchObject({ clicks: 5, clickers: 5 });
});
