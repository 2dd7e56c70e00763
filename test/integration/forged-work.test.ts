/**
 * Work that smsq did not make is not done, for whoever can write to Redis without going through smsq (bull-board
 * refuses such writes itself: test/integration/server/dashboard-writes.test.ts). A webhook job added with Queue.add, or a real
 * one whose target was changed, is never POSTed with a valid signature — the receivers verify every call with the
 * reference standardwebhooks package — and a scheduled campaign's split job promoted early sends nothing before
 * sendAt: the simulator's ledger is read.
 */
import { JOB_NAMES } from '../../src/shared/queues';
import { packBody, type WebhookJobData } from '../../src/shared/webhooks/events';
import { useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { newSecret, WebhookReceiver } from '../support/webhook-receiver';

const secret = newSecret();
/** The operator's receiver (WEBHOOK_URL), and one an attacker would like events sent to. */
const receiver = new WebhookReceiver(secret);
const attacker = new WebhookReceiver(secret, '/collect');
beforeAll(() => Promise.all([receiver.up(), attacker.up()]));
const stack = useCampaignStack('forged-work', {
  env: () => ({ WEBHOOK_URL: receiver.url, WEBHOOK_SECRET: secret, WEBHOOK_BACKOFF_MS: '50', WEBHOOK_RETRY_FOR: '2s' }),
});
afterAll(() => Promise.all([receiver.down(), attacker.down()]));
const { worker } = stack;

const failedReason = (jobId: string) =>
  waitFor(
    `webhook job ${jobId} to fail`,
    async () => {
      const job = await stack.ctx.queues.webhooks.getJob(jobId);
      return job && (await job.isFailed()) ? job.failedReason : undefined;
    },
    30_000,
  );

describe('a webhook job smsq did not make', () => {
  it("is not delivered when added straight to the queue, to its own target or the operator's", async () => {
    const now = Date.now();
    const body = JSON.stringify({
      type: 'campaign.completed',
      id: 'msg_forged_0',
      timestamp: new Date(now).toISOString(),
      data: { campaignId: 'payroll', seq: 9, counts: { sent: 0 } },
    });
    const forged = (id: string, url: string): WebhookJobData => ({
      id,
      type: 'campaign.completed',
      campaignId: 'payroll',
      url,
      payload: packBody(body),
      createdAt: now,
      since: now,
      seal: 'AAAA',
    });
    await stack.ctx.queues.webhooks.add(JOB_NAMES.webhook, forged('msg_forged_1', attacker.url), { jobId: 'msg_forged_1' });
    // Without a seal at all, as an older job or a hand-made one would be, and aimed at the operator's own receiver.
    const { seal: _none, ...unsealed } = forged('msg_forged_2', receiver.url);
    await stack.ctx.queues.webhooks.add(JOB_NAMES.webhook, unsealed as WebhookJobData, { jobId: 'msg_forged_2' });
    await worker();
    expect(await failedReason('msg_forged_1')).toMatch(/not sealed by smsq/);
    expect(await failedReason('msg_forged_2')).toMatch(/not sealed by smsq/);
    expect(attacker.calls).toHaveLength(0);
    expect(receiver.calls.filter((c) => c.id.startsWith('msg_forged'))).toHaveLength(0);
  });

  it("is not delivered when a real event's job is pointed elsewhere, while the events smsq made are, signed", async () => {
    // A campaign cancelled before any worker runs: the producer queues its campaign.cancelled event, sealed.
    const redirected = await stack.producer.enqueueCampaign({
      campaignId: 'redirected',
      content: 'Hi',
      recipients: [{ number: '447700900101' }],
    });
    await stack.producer.cancelCampaign(redirected.campaignId);
    const kept = await stack.producer.enqueueCampaign({ campaignId: 'kept', content: 'Hi', recipients: [{ number: '447700900102' }] });
    await stack.producer.cancelCampaign(kept.campaignId);
    const [job] = (await stack.ctx.queues.webhooks.getWaiting()).filter(
      (j) => j.data.campaignId === 'redirected' && j.data.type === 'campaign.cancelled',
    );
    expect(job).toBeDefined();
    await job.updateData({ ...job.data, url: attacker.url });
    await worker();
    expect(await failedReason(job.id!)).toMatch(/not sealed by smsq/);
    // The untouched event reached the operator's receiver, and verified.
    const delivered = await waitFor(
      "the kept campaign's event",
      () => receiver.events().find((e) => e.data.campaignId === 'kept' && e.type === 'campaign.cancelled'),
      30_000,
    );
    expect(receiver.calls.find((c) => c.id === delivered.id)?.verified).toBe(true);
    expect(attacker.calls).toHaveLength(0);
    // Its other events (the cancel's recipients.settled) were left alone, and went where smsq sent them.
    expect(receiver.events().filter((e) => e.data.campaignId === 'redirected' && e.type === 'campaign.cancelled')).toHaveLength(0);
  });
});

it('sends nothing of a scheduled campaign whose split job is promoted early, or whose batch job is added, until its sendAt', async () => {
  const sendAt = Date.now() + 5_000;
  const info = await stack.producer.enqueueCampaign({
    campaignId: 'promoted',
    content: 'Promoted early',
    sendAt: new Date(sendAt),
    recipients: [{ number: '447700900201' }, { number: '447700900202' }],
  });
  expect((await stack.producer.getCampaign(info.campaignId)).state).toBe('scheduled');
  await worker();
  const split = await stack.ctx.queues.campaigns.getJob('c.promoted');
  expect(await split!.isDelayed()).toBe(true);
  // What bull-board's Promote button did, or anyone with Redis access can do; and a batch job added by hand.
  await split!.promote();
  await stack.ctx.queues.batches.add(JOB_NAMES.send, { campaignId: 'promoted', batch: 0 }, { jobId: 'b.promoted.0' });
  const backToWaiting = (queue: 'campaigns' | 'batches', jobId: string) => async () => {
    const job = await stack.ctx.queues[queue].getJob(jobId);
    return job && job.attemptsStarted > 0 && (await job.isDelayed()) ? true : undefined;
  };
  await waitFor('the split job to run and go back to waiting for sendAt', backToWaiting('campaigns', 'c.promoted'), 30_000);
  await waitFor('the batch job to run and go back to waiting for sendAt', backToWaiting('batches', 'b.promoted.0'), 30_000);
  expect(Date.now()).toBeLessThan(sendAt);
  expect((await stack.producer.getCampaign('promoted')).state).toBe('scheduled');
  expect([...stack.sim.ledger.entries()].filter((e) => e.content === 'Promoted early')).toHaveLength(0);
  const done = await waitFor(
    'the campaign to complete at its sendAt',
    async () => {
      const i = await stack.producer.getCampaign('promoted');
      return i.state === 'completed' ? i : undefined;
    },
    30_000,
  );
  expect(done.counts.sent).toBe(2);
  const sent = [...stack.sim.ledger.entries()].filter((e) => e.content === 'Promoted early');
  expect(sent).toHaveLength(2);
  for (const e of sent) expect(e.at).toBeGreaterThanOrEqual(sendAt);
});
