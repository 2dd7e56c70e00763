import type { RecipientTrace, TraceStep } from '../../src/producer/operator/trace-steps';
import { campaignEnded, useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { BEARER, errorCode } from '../support/server';
import { newSecret, WebhookReceiver } from '../support/webhook-receiver';

const DLR_TOKEN = 'dlr-token-trace-0123456789abc';
const secret = newSecret();
const receiver = new WebhookReceiver(secret);
beforeAll(() => receiver.up());
const stack = useCampaignStack('trace', {
  app: 'listen',
  pushReports: true,
  simulator: { faults: { reportDelayMs: 0, reportDelayJitterMs: 0 } },
  env: () => ({
    DLR_TOKEN,
    DLR_POLL_INTERVAL_MS: '0',
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: secret,
    // A -18's retry comes after at least 1 s (±50% jitter): time to lift the fault after the first call.
    SMS_BACKOFF_MS: '2000',
    SMS_BATCH_SIZE: '50',
  }),
});
afterAll(() => receiver.down());

let nextNumber = 447_900_100_000;
const numbers = (n: number) => Array.from({ length: n }, () => String(nextNumber++));

const kinds = (t: RecipientTrace) => t.steps.map((s) => (s.kind === 'call' ? `call ${s.attempt}` : s.kind));
const stepOf = <K extends TraceStep['kind']>(t: RecipientTrace, kind: K) =>
  t.steps.filter((s): s is Extract<TraceStep, { kind: K }> => s.kind === kind);

it('traces a recipient whose first call was answered -18: staged, the -18 retried, the call that sent it, its outcome, its report and webhook', async () => {
  stack.sim.setFaults({ forceStatus: '-18' });
  await stack.worker();
  const list = numbers(120);
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Trace me',
    recipients: list.map((number, i) => ({ number, orderId: `t-${i}` })),
  });
  // The number traced: the second batch's eighth recipient, written as a person would.
  const number = list[57];
  const written = `+${number.slice(0, 2)} ${number.slice(2, 6)} ${number.slice(6)}`;
  await waitFor('the first call refused', async () => {
    const t = await stack.producer.traceRecipient(campaignId, written);
    return stepOf(t, 'call').length > 0 ? t : undefined;
  });
  stack.sim.setFaults({ forceStatus: null });
  await campaignEnded(stack.producer, campaignId);
  const trace = await waitFor('its report and its webhook event delivered', async () => {
    const t = await stack.producer.traceRecipient(campaignId, written);
    const webhook = stepOf(t, 'webhook')[0];
    return stepOf(t, 'delivery').length > 0 && webhook?.delivery === 'delivered' ? t : undefined;
  });

  const sent = [...stack.sim.ledger.entries()].filter((e) => e.number === number);
  expect(sent).toHaveLength(1);
  expect(trace).toMatchObject({ campaignId, number, orderId: 't-57', batch: 1, index: 7, status: 'sent' });
  expect(kinds(trace)).toEqual(['staged', 'call 1', 'call 2', 'outcome', ...kinds(trace).slice(4)]);
  expect(kinds(trace).slice(4).sort()).toEqual(['delivery', 'webhook']);
  const [first, second] = stepOf(trace, 'call');
  expect(first).toMatchObject({ verdict: 'transient', code: '-18', next: 'retried', account: 'default', recipients: 50 });
  expect(second).toMatchObject({ verdict: 'accepted', code: '0', next: 'sent', msgId: sent[0].msgId, recipients: 50 });
  expect(Date.parse(second.at)).toBeGreaterThan(Date.parse(first.at));
  expect(stepOf(trace, 'outcome')[0]).toMatchObject({ status: 'sent', msgId: sent[0].msgId, at: second.at });
  expect(stepOf(trace, 'delivery')[0]).toMatchObject({ state: 'delivered' });
  const event = receiver.events().find((e) => e.id === stepOf(trace, 'webhook')[0].id);
  expect(event).toMatchObject({ type: 'recipients.settled', data: { campaignId, batch: 1 } });
  expect(trace.notes).toEqual([]);

  // The same trace over HTTP, and a number the campaign never had.
  const res = await stack.server.app.inject({
    url: `/v1/campaigns/${campaignId}/recipients/${encodeURIComponent(written)}`,
    headers: BEARER,
  });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual(JSON.parse(JSON.stringify(trace)));
  const absent = await stack.server.app.inject({ url: `/v1/campaigns/${campaignId}/recipients/447700999999`, headers: BEARER });
  expect(absent.statusCode).toBe(404);
  expect(errorCode(absent)).toBe('RECIPIENT_NOT_FOUND');
});

it('shows a suppressed recipient kept out at the start of its call, never called', async () => {
  await stack.worker();
  const list = numbers(10);
  await stack.producer.suppressions.add([list[3]], { reason: 'complaint' });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Not to you', recipients: list.map((number) => ({ number })) });
  await campaignEnded(stack.producer, campaignId);

  const trace = await stack.producer.traceRecipient(campaignId, list[3]);
  // No call step, and the batch's recipients.settled event carried it all the same.
  expect(kinds(trace)).toEqual(['staged', 'kept-out', 'outcome', 'webhook']);
  expect(stepOf(trace, 'kept-out')[0]).toMatchObject({ status: 'suppressed' });
  expect(trace.status).toBe('suppressed');
  expect([...stack.sim.ledger.entries()].some((e) => e.number === list[3])).toBe(false);
  // Its neighbour went in the one call, which left the suppressed number out.
  const neighbour = await stack.producer.traceRecipient(campaignId, list[4]);
  expect(stepOf(neighbour, 'call')).toEqual([expect.objectContaining({ verdict: 'accepted', next: 'sent', recipients: 9 })]);
});

it('answers RECIPIENT_NOT_FOUND for a number not in the campaign, and CAMPAIGN_NOT_FOUND for a campaign that is not there', async () => {
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Later',
    sendAt: new Date(Date.now() + 3_600_000),
    recipients: numbers(3).map((number) => ({ number })),
  });
  await expect(stack.producer.traceRecipient(campaignId, '447700999998')).rejects.toMatchObject({ code: 'RECIPIENT_NOT_FOUND' });
  await expect(stack.producer.traceRecipient('no-such-campaign', '447700999998')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
  await expect(stack.producer.traceRecipient(campaignId, 'not a number')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
});
