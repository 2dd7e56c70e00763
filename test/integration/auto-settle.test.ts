import { metricsRegistry } from '../../src/shared/metrics';
import type { CampaignInfo, RecipientResult } from '../../src/shared/types';
import { useCampaignStack } from '../support/campaigns';
import { testRedis, waitFor } from '../support/env';

const stack = useCampaignStack('auto-settle', {
  cuttingProxy: true,
  // The simulator records a submission the moment it takes it, so settling need not wait for its records.
  env: { SMS_AUTO_SETTLE: 'true', SMS_SETTLE_AFTER_MS: '0', SMS_BATCH_SIZE: '250', DLR_POLL_INTERVAL_MS: '0' },
});
const { worker } = stack;

let nextNumber = 447_100_000_00;
function recipients(n: number) {
  return Array.from({ length: n }, () => ({ number: String(nextNumber++) }));
}

async function ended(campaignId: string, timeoutMs = 90_000): Promise<CampaignInfo> {
  return waitFor(
    'the campaign to end',
    async () => {
      const info = await stack.producer.getCampaign(campaignId);
      return info.state === 'completed' || info.state === 'cancelled' ? info : undefined;
    },
    timeoutMs,
    200,
  );
}

async function results(campaignId: string): Promise<RecipientResult[]> {
  const out: RecipientResult[] = [];
  for await (const r of stack.producer.campaignResults(campaignId)) out.push(r);
  return out;
}

async function metricValue(name: string): Promise<number> {
  const m = (await metricsRegistry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

it('settles unknown calls by itself: found ones are sent, cut ones are resent once, and the campaign completes with nobody unknown', async () => {
  // Some calls hang after the gateway took them (found in its records); the first two never reach it (not-sent).
  stack.sim.setFaults({ hangRate: 0.3 });
  stack.proxy.cutNext(2);
  await worker();
  const list = recipients(2_000);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Settle me', recipients: list });
  const end = await ended(campaignId);
  expect(stack.proxy.cut).toBeGreaterThan(0);
  expect(end.state).toBe('completed');
  expect(end.counts).toMatchObject({ total: 2_000, sent: 2_000, unknown: 0, notSent: 0, failed: 0, pending: 0 });
  for (const { number } of list) expect(stack.sim.ledger.countFor(number)).toBe(1);
  for (const r of await results(campaignId)) expect(stack.sim.ledger.byMsgId(r.msgId!)?.number).toBe(r.number);
  const redis = testRedis();
  try {
    // The cut calls' recipients were queued again once, in one resend round.
    expect(await redis.hget(`${stack.prefix}:campaign:${campaignId}`, 'resendRounds')).toBe('1');
  } finally {
    redis.disconnect();
  }
  // Nothing is left for a manual settling to do.
  expect(await stack.producer.settleCampaign(campaignId, { resend: true })).toMatchObject({ unknown: 0, resent: 0 });
}, 120_000);

it('completes a campaign whose recipients include a suppressed one once its unknown recipients are settled', async () => {
  stack.proxy.cutNext(1);
  await worker();
  const list = recipients(250);
  await stack.producer.suppressions.add([list[0].number], { reason: 'manual' });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Settle me, not the suppressed', recipients: list });
  const end = await ended(campaignId, 60_000);
  expect(end).toMatchObject({ state: 'completed', counts: { total: 250, sent: 249, suppressed: 1, unknown: 0, notSent: 0, pending: 0 } });
  expect(stack.sim.ledger.countFor(list[0].number)).toBe(0);
  for (const { number } of list.slice(1)) expect(stack.sim.ledger.countFor(number)).toBe(1);
}, 90_000);

it('settles the unknown recipients of a cancelled campaign without sending them again', async () => {
  // The settle job runs 3 s after the batch ends: the campaign is cancelled before that.
  stack.proxy.cutNext(1);
  await worker({ settling: { ...stack.config.settling, settleAfterMs: 3_000 } });
  const list = recipients(250);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Cancel me', recipients: list });
  const open = await waitFor(
    'the call to end unknown',
    async () => {
      const info = await stack.producer.getCampaign(campaignId);
      return info.counts.unknown === 250 ? info : undefined;
    },
    30_000,
  );
  // Every batch is counted, but the campaign stays running until its unknown recipients are settled.
  expect(open.state).toBe('running');
  await stack.producer.cancelCampaign(campaignId);
  const end = await waitFor(
    'the settling',
    async () => {
      const info = await stack.producer.getCampaign(campaignId);
      return info.counts.unknown === 0 ? info : undefined;
    },
    30_000,
  );
  expect(end).toMatchObject({ state: 'cancelled', counts: { notSent: 250, sent: 0, unknown: 0 } });
  for (const { number } of list) expect(stack.sim.ledger.countFor(number)).toBe(0);
}, 60_000);

it("leaves recipients unknown, says why and retries while the gateway's records cannot be read", async () => {
  const failuresBefore = await metricValue('smsq_settle_query_failures_total');
  // -2: an answer that is no passing overload (an account without permission to read its records answers so).
  stack.sim.setFaults({ queryStatus: '-2', hangRate: 1 });
  await worker();
  const list = recipients(250);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Unreadable records', recipients: list });
  const redis = testRedis();
  try {
    const reason = await waitFor(
      'the settle error',
      async () => (await redis.hget(`${stack.prefix}:campaign:${campaignId}`, 'settleError')) ?? undefined,
      30_000,
    );
    expect(reason).toMatch(/getSentRcd failed: status -2/);
    const stuck = await stack.producer.getCampaign(campaignId);
    expect(stuck).toMatchObject({
      state: 'running',
      counts: { unknown: 250, pending: 0 },
      settleError: expect.stringMatching(/getSentRcd failed: status -2/),
    });
    expect(await metricValue('smsq_settle_query_failures_total')).toBeGreaterThan(failuresBefore);
    for (const r of await results(campaignId)) expect(r).toMatchObject({ status: 'unknown', code: 'ETIMEDOUT' });

    // The gateway's records become readable: the job's next attempt (after its backoff) settles them.
    stack.sim.setFaults({ queryStatus: null, hangRate: 0 });
    const end = await ended(campaignId, 60_000);
    expect(end.counts).toMatchObject({ sent: 250, unknown: 0 });
    expect(end.settleError).toBeUndefined();
    for (const { number } of list) expect(stack.sim.ledger.countFor(number)).toBe(1);
  } finally {
    redis.disconnect();
  }
}, 120_000);

it('with SMS_AUTO_SETTLE=false completes the campaign with its unknown recipients, as before', async () => {
  stack.proxy.cutNext(1);
  await worker({ settling: { ...stack.config.settling, autoSettle: false, autoResend: true } });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Leave me', recipients: recipients(250) });
  const end = await ended(campaignId);
  expect(end).toMatchObject({ state: 'completed', counts: { unknown: 250 } });
});
