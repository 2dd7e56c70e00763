import type { Config } from '../../src/shared/config';
import { newSecret, WebhookReceiver } from '../support/webhook-receiver';
import { startAnswerProxy, type AnswerProxy, type ProxiedCall } from '../support/answer-proxy';
import { campaignEnded, resultsOf, useCampaignStack } from '../support/campaigns';
import { waitFor, waitUntil } from '../support/env';

/**
 * A gateway that sends its answer's headers at once and then a byte at intervals, for ever: every outbound call
 * must still end by its deadline (SMS_RESPONSE_TIMEOUT_MS, 2 s in tests), so that a slow gateway holds no worker
 * slot and stops no other campaign. The proxy drips for ever, so without a deadline these tests wait in vain.
 */
const stack = useCampaignStack('gateway-deadline', {
  env: { SMS_BATCH_SIZE: '3', WORKER_CONCURRENCY: '2', DLR_POLL_INTERVAL_MS: '0', SMS_SETTLE_AFTER_MS: '0' },
});
let proxy: AnswerProxy;

beforeAll(async () => {
  proxy = await startAnswerProxy(stack.sim.baseUrl);
});
afterEach(() => proxy.drip(null));
afterAll(() => proxy.close());

/** A worker whose gateway is the proxy. */
function worker(overrides: Partial<Config> = {}) {
  return stack.worker({ ...overrides, gateway: { ...stack.config.gateway, baseUrl: proxy.baseUrl } });
}

let next = 447_300_000_000;
const numbers = (n: number) => Array.from({ length: n }, () => String(next++));

/** The position in the proxy's log of the first event of `kind` for call `id`. */
function at(id: number, kind: 'request' | 'answered' | 'client-gone'): number {
  const i = proxy.events.findIndex((e) => e.call === id && e.kind === kind);
  if (i === -1) throw new Error(`call ${id} has no ${kind} event`);
  return i;
}

const isSend = (c: ProxiedCall) => /\/sendSms(\/batch)?$/.test(c.path);

it('ends a send whose answer drips as unknown by its deadline, and another campaign on the same worker completes meanwhile', async () => {
  const dripped: number[] = [];
  const quick: number[] = [];
  proxy.drip((c) => {
    if (isSend(c) && c.body.includes('quick campaign')) quick.push(c.id);
    if (!isSend(c) || !c.body.includes('slow campaign')) return false;
    dripped.push(c.id);
    return true;
  });
  await worker({ settling: { ...stack.config.settling, autoSettle: false } });
  const slow = numbers(6);
  const a = await stack.producer.enqueueCampaign({ content: 'slow campaign', recipients: slow.map((number) => ({ number })) });
  // Both of the worker's slots now hold a call whose answer never ends.
  await waitUntil('both slow calls to be dripping', () => dripped.length === 2);
  const quickNumbers = numbers(3);
  const b = await stack.producer.enqueueCampaign({ content: 'quick campaign', recipients: quickNumbers.map((number) => ({ number })) });

  const quickEnd = await campaignEnded(stack.producer, b.campaignId);
  expect(quickEnd.counts).toMatchObject({ total: 3, sent: 3, unknown: 0, failed: 0 });
  const slowEnd = await campaignEnded(stack.producer, a.campaignId);
  expect(slowEnd.counts).toMatchObject({ total: 6, unknown: 6, sent: 0, failed: 0 });
  // By order of events: the worker gave up on both dripping calls before the quick campaign's call came.
  expect(quick).toHaveLength(1);
  for (const id of dripped) expect(at(id, 'client-gone')).toBeLessThan(at(quick[0], 'request'));
  expect(dripped).toHaveLength(2);
  // The gateway took the slow calls: never sent a second time, and unknown with the deadline's reason.
  for (const n of [...slow, ...quickNumbers]) expect(stack.sim.ledger.countFor(n)).toBe(1);
  for (const r of await resultsOf(stack.producer, a.campaignId)) {
    expect(r).toMatchObject({ status: 'unknown', code: 'ETIMEDOUT' });
    expect(r.reason).toMatch(/SMS_RESPONSE_TIMEOUT_MS/);
  }
});

it("ends settling's getSentRcd by its deadline when the answer drips, and settles from the next one", async () => {
  const queries: number[] = [];
  const sends: number[] = [];
  // The first send and the first getSentRcd drip: the send is unknown, and settling must not hang on its query.
  proxy.drip((c) => {
    if (isSend(c)) return c.body.includes('settle me') && sends.push(c.id) === 1;
    if (!c.path.endsWith('/getSentRcd')) return false;
    queries.push(c.id);
    return queries.length === 1;
  });
  await worker({ settling: { ...stack.config.settling, autoSettle: true, autoResend: true } });
  const list = numbers(3);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'settle me', recipients: list.map((number) => ({ number })) });
  const end = await campaignEnded(stack.producer, campaignId);
  expect(end.counts).toMatchObject({ total: 3, sent: 3, unknown: 0, notSent: 0, failed: 0 });
  expect(sends).toHaveLength(1);
  expect(queries.length).toBeGreaterThanOrEqual(2);
  expect(at(queries[0], 'client-gone')).toBeLessThan(at(queries[1], 'request'));
  for (const n of list) expect(stack.sim.ledger.countFor(n)).toBe(1);
});

it("ends the report poller's getReport by its deadline when the answer drips, and reads the reports on a later run", async () => {
  const asked: number[] = [];
  proxy.drip((c) => {
    if (!c.path.endsWith('/getReport')) return false;
    asked.push(c.id);
    return asked.length === 1;
  });
  stack.sim.setFaults({ reportDelayMs: 0, reportDelayJitterMs: 0 });
  await worker({ delivery: { ...stack.config.delivery, pollIntervalMs: 300, pollAfterMs: 0 } });
  const list = numbers(3);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'report me', recipients: list.map((number) => ({ number })) });
  await campaignEnded(stack.producer, campaignId);
  const reported = await waitFor('the reports to be read by polling', async () => {
    const rows = await resultsOf(stack.producer, campaignId);
    return rows.every((r) => r.delivery === 'delivered') ? rows : undefined;
  });
  expect(reported).toHaveLength(3);
  expect(at(asked[0], 'client-gone')).toBeLessThan(at(asked[1], 'request'));
});

it('ends a webhook post whose answer drips by WEBHOOK_TIMEOUT_MS, and delivers the event on a later attempt', async () => {
  const secret = newSecret();
  const receiver = new WebhookReceiver(secret);
  await receiver.up();
  const hooks = await startAnswerProxy(receiver.url);
  try {
    let dripped: ProxiedCall | undefined;
    hooks.drip((c) => {
      if (dripped) return false;
      dripped = c;
      return true;
    });
    await worker({ webhooks: { ...stack.config.webhooks, url: hooks.baseUrl, secret, backoffMs: 50 } });
    const { campaignId } = await stack.producer.enqueueCampaign({
      content: 'hook me',
      recipients: numbers(2).map((number) => ({ number })),
    });
    await campaignEnded(stack.producer, campaignId);
    const first = await waitFor('a post to drip', () => dripped);
    // The worker gave up on the post that dripped for ever, and its event came through on a later attempt.
    await waitUntil('the dripping post to be given up', () => hooks.events.some((e) => e.call === first.id && e.kind === 'client-gone'));
    await waitUntil('its event to be delivered later', () => receiver.delivered().some((c) => c.body === first.body));
    await waitUntil('campaign.completed to be delivered', () =>
      receiver.events().some((e) => e.type === 'campaign.completed' && e.data.campaignId === campaignId),
    );
  } finally {
    await hooks.close();
    await receiver.down();
  }
});
