import type { Config } from '../../src/shared/config';
import { createContext } from '../../src/shared/context';
import { SmsqError } from '../../src/shared/errors';
import { createLogger } from '../../src/shared/logger';
import { metricsRegistry } from '../../src/shared/metrics';
import type { RecipientResult } from '../../src/shared/types';
import { useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { newSecret, WebhookReceiver, type ReceivedEvent } from '../support/webhook-receiver';

const secret = newSecret();
const receiver = new WebhookReceiver(secret);
const other = new WebhookReceiver(secret, '/campaign-hooks');
beforeAll(() => Promise.all([receiver.up(), other.up()]));
// Short back-off and retry window, so that retries and giving up play out in seconds.
const stack = useCampaignStack('webhooks', {
  env: () => ({
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: secret,
    WEBHOOK_BACKOFF_MS: '50',
    WEBHOOK_RETRY_FOR: '2s',
    WEBHOOK_TIMEOUT_MS: '300',
    SMS_BATCH_SIZE: '100',
  }),
});
afterEach(() => {
  receiver.decide = () => 200;
  other.decide = () => 200;
});
afterAll(() => Promise.all([receiver.down(), other.down()]));
const { worker } = stack;

let nextNumber = 447_800_000_000;
function recipients(n: number) {
  return Array.from({ length: n }, () => {
    const number = String(nextNumber++);
    return { number, orderId: `o-${number}` };
  });
}

async function results(campaignId: string): Promise<RecipientResult[]> {
  const out: RecipientResult[] = [];
  for await (const r of stack.producer.campaignResults(campaignId)) out.push(r);
  return out;
}

function eventsOf(r: WebhookReceiver, campaignId: string): ReceivedEvent[] {
  return r
    .events()
    .filter((e) => e.data.campaignId === campaignId)
    .sort((a, b) => a.data.seq - b.data.seq);
}

async function eventsUntil(
  r: WebhookReceiver,
  campaignId: string,
  what: string,
  done: (events: ReceivedEvent[]) => boolean,
  timeoutMs = 30_000,
): Promise<ReceivedEvent[]> {
  return waitFor(
    what,
    async () => {
      const events = eventsOf(r, campaignId);
      return done(events) ? events : undefined;
    },
    timeoutMs,
  );
}

const hasType = (type: string) => (events: ReceivedEvent[]) => events.some((e) => e.type === type);

it("sends a campaign's events, signed, numbered in order, with recipients.settled equal to the results", async () => {
  await worker();
  const list = recipients(1_000);
  stack.sim.setFaults({ refuseNumbers: [list[5].number, list[777].number] });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Hello webhooks', recipients: list });
  // Events are delivered concurrently: campaign.completed may come before the last recipients.settled.
  const events = await eventsUntil(receiver, campaignId, 'all 12 events', (e) => e.length === 12);
  const rows = await results(campaignId);

  expect(events.map((e) => e.type)).toEqual(['campaign.started', ...Array(10).fill('recipients.settled'), 'campaign.completed']);
  expect(events.map((e) => e.data.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  expect(receiver.calls.filter((c) => JSON.parse(c.body).data.campaignId === campaignId).every((c) => c.verified)).toBe(true);
  const settled = events.filter((e) => e.type === 'recipients.settled').flatMap((e) => e.data.recipients as RecipientResult[]);
  expect(new Set(events.filter((e) => e.type === 'recipients.settled').map((e) => e.data.batch))).toEqual(
    new Set(Array.from({ length: 10 }, (_, i) => i)),
  );
  const byOrderId = new Map(settled.map((r) => [r.orderId, r]));
  expect(byOrderId.size).toBe(1_000);
  for (const row of rows) {
    const { delivery: _delivery, ...outcome } = row;
    expect(byOrderId.get(row.orderId)).toEqual(outcome);
  }
  expect(rows.filter((r) => r.status === 'failed').map((r) => r.orderId)).toEqual([list[5].orderId, list[777].orderId]);
  expect(events.at(-1)!.data.counts).toEqual({ sent: 998, failed: 2, unknown: 0, cancelled: 0, notSent: 0 });
  expect(events[0]).toMatchObject({
    id: expect.stringMatching(/^msg_[0-9a-f]{24}_0$/),
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
  expect(await metricsRegistry.getSingleMetricAsString('smsq_webhook_events_total')).toMatch(
    /type="recipients.settled",result="delivered"} ([1-9]\d+)/,
  );
  expect(await metricsRegistry.getSingleMetricAsString('smsq_webhook_delivery_latency_seconds')).toMatch(
    /smsq_webhook_delivery_latency_seconds_count ([1-9]\d+)/,
  );

  // A re-run of a counted batch (its worker died before queueing the events) queues the very same event again.
  const campaign = (await stack.ctx.campaigns.read(campaignId))!;
  const batch = (await stack.ctx.batches.load(campaignId, 3))!;
  const again = await stack.ctx.batches.finish(campaignId, 3, batch.recipients.length, { webhooks: true });
  expect(again.result).toBe('already');
  await stack.ctx.webhooks.batchFinished(
    (await stack.ctx.webhooks.target(campaignId, campaign))!,
    3,
    batch.recipients,
    batch.outcomes,
    again.events!,
  );
  const original = events.find((e) => e.type === 'recipients.settled' && e.data.batch === 3)!;
  await waitFor('the repeated event', async () => (receiver.calls.filter((c) => c.id === original.id).length === 2 ? true : undefined));
  expect(receiver.bodiesById().get(original.id)!.size).toBe(1);
});

it('sends a batch again as recipients.settled when settling finds out what happened to its unknown recipients', async () => {
  await worker();
  stack.sim.setFaults({ hangRate: 1 });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Hung calls', recipients: recipients(100) });
  const first = await eventsUntil(receiver, campaignId, 'the first three events', (e) => e.length === 3);
  expect((first[1].data.recipients as RecipientResult[]).every((r) => r.status === 'unknown')).toBe(true);
  stack.sim.setFaults({ hangRate: 0 });
  // The simulator records a submission the moment it takes it: settling need not wait for it.
  const settling = await stack.openProducer({ settling: { ...stack.config.settling, settleAfterMs: 0 } });
  expect(await settling.settleCampaign(campaignId)).toMatchObject({ sent: 100 });
  const events = await eventsUntil(receiver, campaignId, 'the batch settled again', (e) => e.length === 4);
  expect(events.map((e) => [e.type, e.data.seq])).toEqual([
    ['campaign.started', 0],
    ['recipients.settled', 1],
    ['campaign.completed', 2],
    ['recipients.settled', 3],
  ]);
  const latest = new Map((events[3].data.recipients as RecipientResult[]).map((r) => [r.orderId, r]));
  for (const { delivery: _d, ...row } of await results(campaignId)) expect(latest.get(row.orderId)).toEqual(row);
});

it("sends to the campaign's callbackUrl instead of WEBHOOK_URL", async () => {
  await worker();
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Own hooks', recipients: recipients(50), callbackUrl: other.url });
  await eventsUntil(other, campaignId, 'three events at the callbackUrl', (e) => e.length === 3);
  expect(eventsOf(other, campaignId).map((e) => e.type)).toEqual(['campaign.started', 'recipients.settled', 'campaign.completed']);
  expect(eventsOf(receiver, campaignId)).toEqual([]);
});

it('creates no event at all when no URL applies', async () => {
  const quiet: Config = { ...stack.config, webhooks: { ...stack.config.webhooks, url: undefined } };
  const quietProducer = await stack.openProducer(quiet);
  await worker(quiet);
  const { campaignId } = await quietProducer.enqueueCampaign({ content: 'No hooks', recipients: recipients(300) });
  await waitFor('campaign to complete', async () =>
    (await quietProducer.getCampaign(campaignId)).state === 'completed' ? true : undefined,
  );
  expect(await stack.ctx.redis.hget(stack.ctx.keys.campaign(campaignId), 'webhookSeq')).toBeNull();
  expect(await stack.ctx.redis.hget(stack.ctx.keys.batch(campaignId, 0), 'wh')).toBeNull();
  const jobs = await stack.ctx.queues.webhooks.getJobs(['waiting', 'delayed', 'active', 'failed', 'completed']);
  expect(jobs.filter((j) => j?.data.campaignId === campaignId)).toEqual([]);
});

it('refuses callback URLs that are not http(s), and saying why', async () => {
  for (const [url, why] of [
    ['ftp://example.com/hooks', 'must be an http:// or https:// URL, not ftp:'],
    ['file:///etc/passwd', 'not file:'],
    ['javascript:alert(1)', 'not javascript:'],
    ['example.com/hooks', 'is not a URL'],
    ['', 'must be an http:// or https:// URL'],
  ]) {
    const err = await stack.producer
      .enqueueCampaign({ content: 'x', recipients: recipients(1), callbackUrl: url })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmsqError);
    expect((err as SmsqError).code).toBe('VALIDATION_FAILED');
    expect((err as SmsqError).message).toContain('callbackUrl: ');
    expect((err as SmsqError).message).toContain(why);
  }
  const unsigned = await stack.openProducer({ webhooks: { ...stack.config.webhooks, url: undefined, secret: undefined } });
  const err = await unsigned.enqueueCampaign({ content: 'x', recipients: recipients(1), callbackUrl: other.url }).catch((e: unknown) => e);
  expect((err as SmsqError).message).toContain('callbackUrl: needs WEBHOOK_SECRET');
});

it('stops retrying an event answered 410 Gone, lists it as failed, and delivers the others', async () => {
  receiver.decide = (call) => (JSON.parse(call.body).type === 'campaign.started' ? 410 : 200);
  await worker();
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Gone', recipients: recipients(200) });
  await eventsUntil(receiver, campaignId, 'the other three events', (e) => e.length === 3);
  const failed = await waitFor('the 410 event to be listed', async () =>
    (await stack.producer.failedWebhooks()).find((f) => f.campaignId === campaignId),
  );
  expect(failed).toMatchObject({ type: 'campaign.started', attempts: 1, reason: expect.stringContaining('HTTP 410 Gone') });
  expect(receiver.calls.filter((c) => c.id === failed.id)).toHaveLength(1);
  expect(eventsOf(receiver, campaignId).map((e) => e.type)).toEqual(['recipients.settled', 'recipients.settled', 'campaign.completed']);
});

it('times out an attempt the receiver never answers, and delivers the same bytes on a later attempt', async () => {
  const seen = new Set<string>();
  // Every event's first attempt hangs past WEBHOOK_TIMEOUT_MS.
  receiver.decide = (call) => (seen.has(call.id) ? 200 : (seen.add(call.id), 'hang'));
  await worker();
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Slow receiver', recipients: recipients(300) });
  const events = await eventsUntil(receiver, campaignId, 'every event after a timeout', (e) => e.length === 5);
  for (const e of events) {
    const calls = receiver.calls.filter((c) => c.id === e.id);
    expect(calls.map((c) => c.answer)).toEqual(['hang', 200]);
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
  }
  expect(await metricsRegistry.getSingleMetricAsString('smsq_webhook_endpoint_failures_total')).toMatch(/reason="timeout"} [1-9]/);
});

it('gives up after WEBHOOK_RETRY_FOR, keeps the events listed, and re-sends them by id and all at once', async () => {
  receiver.decide = () => 500;
  await worker();
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Down receiver', recipients: recipients(200) });
  const failed = await waitFor('all 4 events to fail', async () => {
    const list = (await stack.producer.failedWebhooks()).filter((f) => f.campaignId === campaignId);
    return list.length === 4 ? list : undefined;
  });
  for (const f of failed) {
    expect(f.reason).toMatch(/^HTTP 500; gave up after \d+ attempts \(WEBHOOK_RETRY_FOR\)$/);
    expect(f.attempts).toBeGreaterThan(2);
    expect(f.url).toBe(receiver.url);
  }
  expect(eventsOf(receiver, campaignId)).toEqual([]);

  receiver.decide = () => 200;
  const [first, ...rest] = failed;
  expect(await stack.producer.retryWebhooks([first.id])).toEqual({ retried: [first.id] });
  await eventsUntil(receiver, campaignId, 'the re-sent event', (e) => e.some((x) => x.id === first.id));
  await expect(stack.producer.retryWebhooks([first.id, 'msg_nope_1'])).rejects.toMatchObject({ code: 'WEBHOOK_NOT_FOUND' });
  // --all also re-sends the 410 event an earlier test left failed.
  const all = await stack.producer.retryWebhooks('all');
  expect(all.retried).toEqual(expect.arrayContaining(rest.map((f) => f.id)));
  const events = await eventsUntil(receiver, campaignId, 'every re-sent event', (e) => e.length === 4);
  expect(events.map((e) => e.data.seq)).toEqual([0, 1, 2, 3]);
  expect([...receiver.bodiesById()].filter(([id]) => failed.some((f) => f.id === id)).every(([, bodies]) => bodies.size === 1)).toBe(true);
  expect((await stack.producer.failedWebhooks()).filter((f) => f.campaignId === campaignId)).toEqual([]);
});

it('tells of cancelled, failed and paused campaigns, and of delivery reports in one event per push', async () => {
  // Cancelled: no worker runs while the campaign is queued and cancelled; the events wait for one.
  const c = await stack.producer.enqueueCampaign({ content: 'To cancel', recipients: recipients(250) });
  await stack.producer.cancelCampaign(c.campaignId);
  await worker();
  const cancelled = await eventsUntil(receiver, c.campaignId, 'cancel events', (e) => e.length === 4);
  expect(cancelled.map((e) => e.type)).toEqual(['campaign.cancelled', 'recipients.settled', 'recipients.settled', 'recipients.settled']);
  expect(cancelled.slice(1).flatMap((e) => (e.data.recipients as RecipientResult[]).map((r) => r.status))).toEqual(
    Array(250).fill('cancelled'),
  );

  stack.sim.setFaults({ sensitiveWords: ['forbidden'] });
  const f = await stack.producer.enqueueCampaign({ content: 'a forbidden word', recipients: recipients(100) });
  const failed = await eventsUntil(receiver, f.campaignId, 'campaign.failed', hasType('campaign.failed'));
  expect(failed.find((e) => e.type === 'campaign.failed')!.data).toMatchObject({
    code: expect.stringMatching(/^-\d$/),
    reason: expect.any(String),
  });

  stack.sim.setFaults({ sensitiveWords: [], balance: 0 });
  const p = await stack.producer.enqueueCampaign({ content: 'No money', recipients: recipients(100) });
  const paused = await eventsUntil(receiver, p.campaignId, 'campaign.paused', hasType('campaign.paused'));
  expect(paused.find((e) => e.type === 'campaign.paused')!.data).toMatchObject({
    by: 'account',
    code: expect.any(String),
    reason: expect.any(String),
  });
  stack.sim.setFaults({ balance: Infinity });
  await stack.producer.resume();
  await eventsUntil(receiver, p.campaignId, 'campaign.completed after resume', hasType('campaign.completed'));

  const sent = (await results(p.campaignId)).slice(0, 3);
  await stack.ctx.delivery.record(
    sent.map((r, i) => ({
      msgId: r.msgId!,
      state: i === 0 ? 'x' : 'd',
      at: Date.now(),
      code: i === 0 ? '2' : '0',
      reason: i === 0 ? 'absent' : '',
      number: r.number,
    })),
    'push',
  );
  const delivery = await eventsUntil(receiver, p.campaignId, 'recipients.delivery', hasType('recipients.delivery'));
  const reports = delivery.find((e) => e.type === 'recipients.delivery')!.data.reports as Array<Record<string, string>>;
  expect(reports.map((r) => [r.msgId, r.delivery, r.deliveryCode])).toEqual(
    expect.arrayContaining([
      [sent[0].msgId, 'undelivered', '2'],
      [sent[1].msgId, 'delivered', undefined],
      [sent[2].msgId, 'delivered', undefined],
    ]),
  );
  // msgIds are unique only within a gateway account: each report names the one that sent it.
  expect(reports.every((r) => r.account === 'default')).toBe(true);
  expect(reports).toHaveLength(3);
});

it('drops new events past WEBHOOK_MAX_QUEUED, counting them, and never fails the caller', async () => {
  const bounded = await createContext(
    { ...stack.config, webhooks: { ...stack.config.webhooks, maxQueued: 3 } },
    createLogger('silent'),
    'client',
  );
  try {
    const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Bounded', recipients: recipients(10), callbackUrl: other.url });
    const before = await stack.ctx.queues.webhooks.count();
    for (let i = 0; i < 10; i++) await bounded.webhooks.emit(campaignId, 'campaign.paused', { by: 'operator', reason: `pause ${i}` });
    expect((await stack.ctx.queues.webhooks.count()) - before).toBeLessThanOrEqual(3);
    expect(await metricsRegistry.getSingleMetricAsString('smsq_webhook_events_total')).toMatch(
      /type="campaign.paused",result="dropped"} [7-9]|type="campaign.paused",result="dropped"} 10/,
    );
  } finally {
    await bounded.close();
  }
});
