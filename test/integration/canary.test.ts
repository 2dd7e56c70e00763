import type { Producer } from '../../src/producer';
import type { RecipientInput } from '../../src/shared/types';
import { campaignEnded, campaignSettled, useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';

const stack = useCampaignStack('canary', { workers: 2 });

let nextNumber = 4_471_000_000;
function recipients(n: number): RecipientInput[] {
  return Array.from({ length: n }, (_, i) => ({ number: String(nextNumber++), orderId: `c-${i}` }));
}

type Info = Awaited<ReturnType<Producer['getCampaign']>>;

/** The campaign as its producer reads it, polled until `done` says so (the canary check job runs on the workers). */
function campaignWhen(campaignId: string, done: (info: Info) => boolean, producer: Producer = stack.producer): Promise<Info> {
  return waitFor(`campaign ${campaignId} as the test waits for it`, async () => {
    const info = await producer.getCampaign(campaignId);
    return done(info) ? info : undefined;
  });
}

const sentTo = (list: RecipientInput[]) => list.filter((r) => stack.sim.ledger.countFor(r.number) > 0);

it('stops a 20,000-recipient campaign after its 1,000-recipient canary when a fifth of the numbers are refused, paused with the failed rate, nothing more sent', async () => {
  const list = recipients(20_000);
  // Every fifth number is refused: the canary, drawn at random, holds about 200 of them.
  stack.sim.setFaults({ refuseNumbers: list.filter((_, i) => i % 5 === 0).map((r) => r.number) });
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Spring sale: 20% off today',
    recipients: list,
    canary: 1_000,
    canaryHold: '1s',
    maxFailedRate: 0.05,
  });
  const info = await campaignWhen(campaignId, (i) => i.state === 'paused');
  expect(info.paused).toMatchObject({
    by: 'canary',
    reason: expect.stringMatching(/^canary of 1,000: failed rate \d+\.\d% above the limit 5\.0%/),
  });
  expect(info.canary).toMatchObject({ size: 1_000, state: 'stopped', gates: { maxFailedRate: 0.05 } });
  const f = info.canary!.figures!;
  expect(f.called).toBe(1_000);
  expect(f.failedRate).toBeGreaterThan(0.1);
  expect(f.failed + f.sent).toBe(1_000);
  // Only the canary reached the gateway: its sent ones, each once; nobody else.
  const reached = sentTo(list);
  expect(reached).toHaveLength(f.sent);
  expect(stack.sim.stats().duplicates).toBe(0);
  expect(info.counts).toMatchObject({ sent: f.sent, failed: f.failed, pending: 19_000 });
  // The audit trail says smsq paused it, with the canary's figures.
  const trail = await stack.ctx.audit.list({ campaignId });
  expect(trail.find((e) => e.action === 'campaign.pause')).toMatchObject({
    keyId: 'smsq',
    changes: { by: 'canary', reason: info.paused!.reason, figures: { called: 1_000, failed: f.failed, sent: f.sent } },
  });
  // Drawn at random, not the first rows: the canary's numbers come from all over the list.
  const rows = reached.map((r) => Number(r.orderId!.slice(2)));
  expect(Math.min(...rows)).toBeLessThan(1_000);
  expect(Math.max(...rows)).toBeGreaterThan(19_000);
  // The first 1,000 rows hold about 5% of a random canary, never all of it.
  expect(rows.filter((i) => i >= 1_000).length).toBeGreaterThan(0.85 * rows.length);

  // Cancelled: the rest ends cancelled and is never sent.
  await stack.producer.cancelCampaign(campaignId);
  const ended = await campaignEnded(stack.producer, campaignId);
  expect(ended.counts).toMatchObject({ cancelled: 19_000, sent: f.sent });
  expect(sentTo(list)).toHaveLength(f.sent);
});

it('sends the rest of the same campaign after a clean canary, every number once', async () => {
  const list = recipients(20_000);
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Spring sale: 20% off today',
    recipients: list,
    canary: 1_000,
    canaryHold: '1s',
    maxFailedRate: 0.05,
  });
  const info = await campaignSettled(stack.producer, campaignId, 120_000);
  expect(info.state).toBe('completed');
  expect(info.counts).toMatchObject({ total: 20_000, sent: 20_000, failed: 0 });
  expect(info.canary).toMatchObject({ state: 'released', figures: { called: 1_000, sent: 1_000, failed: 0, failedRate: 0 } });
  expect((await stack.ctx.audit.list({ campaignId })).find((e) => e.action === 'campaign.canary-release')).toMatchObject({
    keyId: 'smsq',
    changes: { figures: { called: 1_000, sent: 1_000, failed: 0 } },
  });
  for (const r of list) expect(stack.sim.ledger.countFor(r.number)).toBe(1);
});

it('releases the rest when the canary fails less than its gate allows, and holds it until the hold is over', async () => {
  const list = recipients(3_000);
  stack.sim.setFaults({ refuseNumbers: list.filter((_, i) => i % 50 === 0).map((r) => r.number) });
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Hello',
    recipients: list,
    canary: '10%',
    canaryHold: '2s',
    maxFailedRate: 0.05,
  });
  const holding = await campaignWhen(campaignId, (i) => i.canary?.state === 'holding');
  // While it holds, only the canary has been sent.
  expect(sentTo(list).length).toBe(holding.counts.sent);
  expect(holding.counts.sent + holding.counts.failed).toBe(holding.canary!.size);
  const info = await campaignSettled(stack.producer, campaignId);
  expect(info.canary?.state).toBe('released');
  expect(info.counts).toMatchObject({ sent: 2_940, failed: 60 });
  expect(stack.sim.stats().duplicates).toBe(0);
});

it('sends the rest when an operator resumes a campaign its canary stopped', async () => {
  const list = recipients(2_500);
  stack.sim.setFaults({ refuseNumbers: list.filter((_, i) => i % 2 === 0).map((r) => r.number) });
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Hello',
    recipients: list,
    canary: 500,
    canaryHold: 0,
    maxFailedRate: 0.1,
  });
  await campaignWhen(campaignId, (i) => i.state === 'paused');
  stack.sim.setFaults({ refuseNumbers: [] });
  await stack.producer.resumeCampaign(campaignId);
  const info = await campaignSettled(stack.producer, campaignId);
  expect(info.state).toBe('completed');
  expect(info.counts.sent + info.counts.failed).toBe(2_500);
  for (const r of list) expect(stack.sim.ledger.countFor(r.number)).toBeLessThanOrEqual(1);
  expect(sentTo(list).length).toBe(info.counts.sent);
});

it('refuses gates without a canary, a canary out of bounds and an opt-out gate without contact history, naming each field', async () => {
  const attempt = (opts: Record<string, unknown>) => stack.producer.enqueueCampaign({ content: 'Hi', recipients: recipients(2), ...opts });
  await expect(attempt({ maxFailedRate: 0.1 })).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
    message: expect.stringContaining('maxFailedRate: needs a canary'),
  });
  await expect(attempt({ canary: '80%' })).rejects.toMatchObject({ message: expect.stringContaining('canary: must be a count') });
  await expect(attempt({ canary: 0 })).rejects.toMatchObject({ message: expect.stringContaining('canary: must be a count') });
  await expect(attempt({ canary: 10, canaryHold: '9d' })).rejects.toMatchObject({
    message: expect.stringContaining('canaryHold: must be a duration'),
  });
  await expect(attempt({ canary: 10, maxFailedRate: 2 })).rejects.toMatchObject({
    message: expect.stringContaining('maxFailedRate: must be a share'),
  });
  await expect(attempt({ canary: 10, maxOptOutRate: 0.01 })).rejects.toMatchObject({
    message: expect.stringContaining('maxOptOutRate: needs SMS_CONTACT_HISTORY'),
  });
});

describe('gates on what the canary heard back', () => {
  const REPLY_TOKEN = 'reply-token-canary-0123456789';
  const DLR_TOKEN = 'dlr-token-canary-0123456789ab';
  const heard = useCampaignStack('canary-heard', {
    app: 'listen',
    pushReports: true,
    env: { REPLY_TOKEN, DLR_TOKEN, SMS_CONTACT_HISTORY: 'true', REPLY_POLL_INTERVAL_MS: '0', DLR_POLL_INTERVAL_MS: '0' },
  });
  /** The worker's clock: moved past a canary's hold once what the test waits for has arrived, and the check job run. */
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  afterEach(() => {
    offset = 0;
  });

  async function judgeNow(campaignId: string, holdMs: number): Promise<void> {
    offset = holdMs;
    await (await heard.ctx.queues.campaigns.getJob(`k.${campaignId}`))?.promote();
  }

  const stateOf = (campaignId: string, done: (info: Info) => boolean) => campaignWhen(campaignId, done, heard.producer);

  it('stops when fewer of the canary were delivered than minDeliveredRate asks, once every report is in', async () => {
    await heard.worker(undefined, { clock });
    heard.sim.setFaults({ undeliveredRate: 0.5 });
    const list = recipients(1_500);
    const { campaignId } = await heard.producer.enqueueCampaign({
      content: 'Hi',
      recipients: list,
      canary: 300,
      canaryHold: '1h',
      minDeliveredRate: 0.9,
    });
    await stateOf(campaignId, (i) => i.canary?.state === 'holding' && i.delivery.pending === 0);
    await judgeNow(campaignId, 3_600_000);
    const info = await stateOf(campaignId, (i) => i.state === 'paused');
    expect(info.paused?.reason).toMatch(/delivered rate \d+\.\d% below the minimum 90\.0%/);
    expect(info.canary?.figures).toMatchObject({ sent: 300 });
    expect(info.canary!.figures!.deliveredRate).toBeLessThan(0.8);
    expect(sentToIn(heard, list)).toHaveLength(300);
  });

  it('stops when more of the canary replied STOP than maxOptOutRate allows, and releases a campaign whose canary stayed quiet', async () => {
    await heard.worker(undefined, { clock });
    const loud = recipients(1_000);
    const { campaignId } = await heard.producer.enqueueCampaign({
      content: 'Hi',
      recipients: loud,
      canary: 100,
      canaryHold: '1h',
      maxOptOutRate: 0.02,
    });
    await stateOf(campaignId, (i) => i.canary?.state === 'holding');
    heard.sim.setFaults({ replyUrl: heard.replyUrl });
    const canary = sentToIn(heard, loud).slice(0, 5);
    const res = await fetch(`http://127.0.0.1:${heard.sim.port}/__sim/replies`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(canary.map((r) => ({ number: r.number, content: 'STOP' }))),
    });
    expect(res.status).toBe(200);
    await waitFor('the five STOP replies counted on the campaign', async () =>
      Number(await heard.ctx.redis.hget(heard.ctx.keys.campaign(campaignId), 'optOuts')) === 5 ? true : undefined,
    );
    await judgeNow(campaignId, 3_600_000);
    const info = await stateOf(campaignId, (i) => i.state === 'paused');
    expect(info.paused?.reason).toMatch(/opt-out rate 5\.0% above the limit 2\.0%/);
    expect(sentToIn(heard, loud)).toHaveLength(100);

    offset = 0;
    const quiet = recipients(1_000);
    const second = await heard.producer.enqueueCampaign({
      content: 'Hi',
      recipients: quiet,
      canary: 100,
      canaryHold: '1h',
      maxOptOutRate: 0.02,
    });
    await stateOf(second.campaignId, (i) => i.canary?.state === 'holding');
    await judgeNow(second.campaignId, 3_600_000);
    const done = await campaignSettled(heard.producer, second.campaignId);
    expect(done.canary).toMatchObject({ state: 'released', figures: { optOuts: 0 } });
    expect(sentToIn(heard, quiet)).toHaveLength(1_000);
  });
});

function sentToIn(s: { sim: { ledger: { countFor(n: string): number } } }, list: RecipientInput[]): RecipientInput[] {
  return list.filter((r) => s.sim.ledger.countFor(r.number) > 0);
}
