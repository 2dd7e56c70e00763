import type { Config } from '../../src/shared/config';
import { createContext, type Context } from '../../src/shared/context';
import { toMicros, formatMicros } from '../../src/shared/delivery/money';
import { GatewayQueries } from '../../src/shared/gateway/queries';
import { createLogger } from '../../src/shared/logger';
import type { CampaignInfo, RecipientResult } from '../../src/shared/types';
import type { LedgerEntry } from '../../src/simulator';
import { pollReports } from '../../src/worker/poll-reports';
import { useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';

const log = createLogger('silent');
const DLR_TOKEN = 'dlr-token-0123456789abcdef';
const stack = useCampaignStack('delivery', {
  cuttingProxy: true,
  app: 'listen',
  // The poller is off unless a test turns it on; settling may call what it cannot find not-sent at once.
  env: { DLR_TOKEN, DLR_POLL_INTERVAL_MS: '0', SMS_SETTLE_AFTER_MS: '0', SMS_BATCH_SIZE: '250', SMS_AUTO_SETTLE: 'false' },
});

function worker(delivery: Partial<Config['delivery']> = {}) {
  return stack.worker({ delivery: { ...stack.config.delivery, ...delivery } });
}

let nextNumber = 336_000_000_00;
function recipients(n: number) {
  return Array.from({ length: n }, () => ({ number: String(nextNumber++) }));
}

async function finished(campaignId: string): Promise<CampaignInfo> {
  return waitFor(
    `campaign ${campaignId} to end`,
    async () => {
      const info = await stack.producer.getCampaign(campaignId);
      return ['completed', 'failed', 'cancelled'].includes(info.state) && info.counts.pending === 0 ? info : undefined;
    },
    90_000,
  );
}

async function results(campaignId: string): Promise<RecipientResult[]> {
  const out: RecipientResult[] = [];
  for await (const r of stack.producer.campaignResults(campaignId)) out.push(r);
  return out;
}

/** The simulator's truth about a campaign's messages: its ledger entries for these numbers. */
function ledgerFor(rs: RecipientResult[]): LedgerEntry[] {
  const numbers = new Set(rs.map((r) => r.number));
  return [...stack.sim.ledger.entries()].filter((e) => numbers.has(e.number));
}

function costOf(entries: LedgerEntry[]): string {
  return formatMicros(entries.reduce((sum, e) => sum + toMicros(e.pay)!, 0));
}

it('ends a 20,000-recipient campaign whose reports come duplicated, late and out of order with exact delivered, undelivered and cost figures', async () => {
  stack.sim.setFaults({
    reportUrl: stack.reportUrl,
    reportDelayMs: 0,
    reportDelayJitterMs: 3000,
    reportDuplicateRate: 0.3,
    undeliveredRate: 0.1,
    reportBatchSize: 25,
    pricePerSegment: 0.0125,
  });
  await worker();
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Spring sale: 20% off today only',
    recipients: recipients(20_000),
  });
  await finished(campaignId);
  const info = await waitFor(
    'every report',
    async () => {
      const i = await stack.producer.getCampaign(campaignId);
      return i.delivery.pending === 0 ? i : undefined;
    },
    60_000,
  );
  const rs = await results(campaignId);
  const truth = ledgerFor(rs);
  expect(truth).toHaveLength(20_000);
  const delivered = truth.filter((e) => e.deliveryStatus === 0).length;
  expect(info.counts).toMatchObject({ total: 20_000, sent: 20_000 });
  expect(info.delivery).toMatchObject({ delivered, undelivered: 20_000 - delivered, expired: 0, pending: 0, priced: 20_000 });
  expect(delivered).toBeGreaterThan(17_000);
  expect(info.delivery.cost).toEqual({ USD: costOf(truth) });
  expect(info.delivery.deliveryRate).toBeCloseTo(delivered / 20_000, 6);
  // Duplicates really came, and some reports came before their batch was indexed (held, then applied).
  expect(stack.sim.stats().reportsDuplicated).toBeGreaterThan(1_000);

  const byMsgId = new Map(truth.map((e) => [e.msgId, e]));
  for (const r of rs) {
    const e = byMsgId.get(r.msgId!)!;
    expect(r.delivery).toBe(e.deliveryStatus === 0 ? 'delivered' : 'undelivered');
    expect(r.price).toBe(formatMicros(toMicros(e.pay)!));
    expect(r.currency).toBe('USD');
    expect(Date.parse(r.reportedAt!)).toBe(e.reportAt);
    if (r.delivery === 'undelivered') expect(r.deliveryReason).toBe(e.deliveryReason);
  }
}, 150_000);

it('finds by polling getReport the reports that never come, and expires messages past the horizon', async () => {
  stack.sim.setFaults({ reportUrl: stack.reportUrl, reportLossRate: 1, reportDelayMs: 0, reportDelayJitterMs: 500, undeliveredRate: 0.2 });
  const polling = await worker({ pollIntervalMs: 300, pollAfterMs: 500, pollRatePerSecond: 20 });
  const pushedBefore = stack.sim.stats().reportsPushed;
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Your code is 1234', recipients: recipients(3_000) });
  await finished(campaignId);
  const info = await waitFor(
    'the poller to find every report',
    async () => {
      const i = await stack.producer.getCampaign(campaignId);
      return i.delivery.pending === 0 ? i : undefined;
    },
    60_000,
  );
  const truth = ledgerFor(await results(campaignId));
  const delivered = truth.filter((e) => e.deliveryStatus === 0).length;
  expect(stack.sim.stats().reportsPushed).toBe(pushedBefore);
  // getReport carries no price: the counts are exact, the cost is unknown.
  expect(info.delivery).toMatchObject({ delivered, undelivered: 3_000 - delivered, expired: 0, priced: 0, cost: {} });

  // Reports far in the future: the gateway keeps answering "sending" until the horizon passes.
  await polling.close();
  stack.sim.setFaults({ reportDelayMs: 3_600_000 });
  await worker({ pollIntervalMs: 300, pollAfterMs: 300, pollRatePerSecond: 20, expireAfterMs: 2_000 });
  const late = await stack.producer.enqueueCampaign({ content: 'Your code is 5678', recipients: recipients(400) });
  await finished(late.campaignId);
  const expired = await waitFor(
    'expiry',
    async () => {
      const i = await stack.producer.getCampaign(late.campaignId);
      return i.delivery.expired === 400 ? i : undefined;
    },
    30_000,
  );
  expect(expired.delivery).toMatchObject({ delivered: 0, undelivered: 0, expired: 400, pending: 0 });
  const rs = await results(late.campaignId);
  expect(rs.every((r) => r.delivery === 'expired')).toBe(true);

  // A report that comes after expiry still counts: it replaces the expiry.
  const res = await fetch(stack.reportUrl, {
    method: 'POST',
    body: JSON.stringify({
      msgid: rs[0].msgId,
      mobile: rs[0].number,
      status: 0,
      reason: '0',
      timestamp: Date.now(),
      pricedetail: { pay: '0.01', currency: 'USD' },
    }),
  });
  expect(await res.json()).toMatchObject({ received: 1, matched: 1 });
  expect((await stack.producer.getCampaign(late.campaignId)).delivery).toMatchObject({ delivered: 1, expired: 399, cost: { USD: '0.01' } });
}, 150_000);

it('keeps the price of a report pushed after the same report was polled without one', async () => {
  // The simulator's own reports held back: the two below are the only ones.
  stack.sim.setFaults({ reportDelayMs: 3_600_000 });
  await worker();
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Polled, then pushed', recipients: recipients(2) });
  await finished(campaignId);
  const [r] = await results(campaignId);
  const at = Date.now() - 1_000;
  const report = { msgid: r.msgId, mobile: r.number, status: 0, reason: '0', timestamp: at };
  // What the poller stores (getReport carries no price), then the gateway's push of the same report with its price.
  expect(await (await fetch(stack.reportUrl, { method: 'POST', body: JSON.stringify(report) })).json()).toMatchObject({ matched: 1 });
  expect(
    await (
      await fetch(stack.reportUrl, { method: 'POST', body: JSON.stringify({ ...report, pricedetail: { pay: '0.02', currency: 'USD' } }) })
    ).json(),
  ).toMatchObject({ duplicate: 1 });
  // And the same priced push again: counted once.
  await fetch(stack.reportUrl, { method: 'POST', body: JSON.stringify({ ...report, pricedetail: { pay: '0.02', currency: 'USD' } }) });
  const info = await waitFor(
    'the price',
    async () => {
      const i = await stack.producer.getCampaign(campaignId);
      return i.delivery.priced === 1 ? i : undefined;
    },
    10_000,
  );
  expect(info.delivery).toMatchObject({ delivered: 1, priced: 1, cost: { USD: '0.02' } });
});

describe('the poller', () => {
  let ctx: Context;
  let queries: GatewayQueries;
  beforeAll(async () => {
    ctx = await createContext({ ...stack.config, delivery: { ...stack.config.delivery, pollAfterMs: 0 } }, log, 'client');
    queries = new GatewayQueries(stack.config.gateway, log);
  });
  afterAll(async () => {
    queries.close();
    await ctx.close();
  });

  /** A campaign sent by a worker that polls nothing, its reports due at once and never pushed; its id. */
  async function sentUnreported(content: string, n: number): Promise<string> {
    stack.sim.setFaults({ reportDelayMs: 0, reportDelayJitterMs: 0 });
    const sender = await worker({ pollAfterMs: 0 });
    const { campaignId } = await stack.producer.enqueueCampaign({ content, recipients: recipients(n) });
    await finished(campaignId);
    await sender.close();
    return campaignId;
  }

  it('backs off, for every worker, while the gateway answers -15, and resumes after', async () => {
    const campaignId = await sentUnreported('Backoff test', 50);
    stack.sim.setFaults({ queryStatus: '-15' });
    const first = await pollReports(ctx, queries);
    expect(first).toMatchObject({ calls: 1, matched: 0 });
    expect(first.error).toMatch(/-15/);
    expect(await pollReports(ctx, queries)).toMatchObject({ skipped: 'backoff', calls: 0 });
    stack.sim.setFaults({ queryStatus: null });
    await ctx.redis.del(ctx.keys.pollBackoff());
    const after = await pollReports(ctx, queries);
    expect(after.error).toBeUndefined();
    expect((await stack.producer.getCampaign(campaignId)).delivery.pending).toBe(0);
  });

  it('finds every report of 20,000 sends, never pushed, within 5 runs while 30% of getReport calls answer -18', async () => {
    const campaignId = await sentUnreported('Your parcel is on its way', 20_000);
    stack.sim.setFaults({ queryTransientRate: 0.3 });
    // 80 batches of 250: 160 queries, about 230 calls with the -18s; 100 calls a run, spaced 20 ms so that the test is quick.
    const fast = await createContext(
      { ...stack.config, delivery: { ...stack.config.delivery, pollAfterMs: 0, pollRatePerSecond: 50, pollMaxCalls: 100 } },
      log,
      'client',
    );
    const runs = [];
    try {
      while ((await stack.producer.getCampaign(campaignId)).delivery.pending > 0 && runs.length < 5) {
        const run = await pollReports(fast, queries);
        runs.push(run);
        // Counted as a run, as it would be: a poller that backs off has the next run skip.
        if (run.skipped === 'backoff')
          await waitFor(
            'the back-off to end',
            async () => ((await fast.redis.exists(fast.keys.pollBackoff())) === 0 ? true : undefined),
            700_000,
          );
      }
    } finally {
      await fast.close();
    }
    // Each run's summary, should the bound below fail: calls, failed queries, back-offs.
    process.stdout.write(`poll runs: ${JSON.stringify(runs)}\n`);
    const info = await stack.producer.getCampaign(campaignId);
    const truth = ledgerFor(await results(campaignId));
    const delivered = truth.filter((e) => e.deliveryStatus === 0).length;
    expect(info.delivery).toMatchObject({ delivered, undelivered: 20_000 - delivered, pending: 0 });
    expect(runs.length).toBeLessThanOrEqual(5);
    // The -18s really came, and were got past within the runs.
    expect(runs.reduce((n, r) => n + r.calls, 0)).toBeGreaterThan(160);
    expect(stack.sim.stats().queries.getReport?.['-18']).toBeGreaterThan(10);
  }, 300_000);
});

it('settles unknown sends with settleCampaign: found ones are sent, cut ones are resent once, nobody twice', async () => {
  // Some calls hang after the gateway took them; some others never reach it.
  stack.sim.setFaults({ hangRate: 0.3 });
  stack.proxy.setCutRate(0.3);
  stack.proxy.cutNext(2);
  await worker();
  const list = recipients(5_000);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Settle me', recipients: list });
  const first = await finished(campaignId);
  expect(first.counts.unknown).toBeGreaterThan(0);
  expect(stack.proxy.cut).toBeGreaterThan(0);
  // Unknown recipients per code add up to the unknown count (the console's breakdown).
  expect(Object.values(first.outcomeCodes.unknown).reduce((a, b) => a + b, 0)).toBe(first.counts.unknown);
  stack.sim.setFaults({ hangRate: 0 });
  stack.proxy.setCutRate(0);

  const active = await stack.producer.enqueueCampaign({ content: 'still running', recipients: recipients(10) });
  await expect(stack.producer.settleCampaign(active.campaignId)).rejects.toMatchObject({
    code: expect.stringMatching(/CAMPAIGN_ACTIVE|CAMPAIGN_NOT_FOUND/),
  });

  // The gateway fails the first two record queries: settling asks again rather than giving up.
  stack.proxy.failQueries(2);
  const r = await stack.producer.settleCampaign(campaignId);
  expect(r.unknown).toBe(first.counts.unknown);
  expect(r.sent + r.notSent).toBe(r.unknown);
  expect(r.notSent).toBeGreaterThan(0);
  expect(r.sent).toBeGreaterThan(0);
  const mid = await stack.producer.getCampaign(campaignId);
  expect(mid.counts).toMatchObject({ unknown: 0, notSent: r.notSent, sent: first.counts.sent + r.sent, pending: 0 });
  expect(mid.outcomeCodes.unknown).toEqual({});
  // Every recipient settling called sent is in the gateway's ledger under that msgId.
  for (const res of await results(campaignId)) {
    if (res.status === 'sent') expect(stack.sim.ledger.byMsgId(res.msgId!)?.number).toBe(res.number);
    if (res.status === 'not-sent') expect(stack.sim.ledger.countFor(res.number)).toBe(0);
  }

  const resent = await stack.producer.settleCampaign(campaignId, { resend: true });
  expect(resent.resent).toBe(r.notSent);
  const end = await finished(campaignId);
  expect(end.counts).toMatchObject({ total: 5_000, sent: 5_000, unknown: 0, notSent: 0, failed: 0, pending: 0 });
  expect(end.outcomeCodes).toEqual({ failed: {}, unknown: {} });
  for (const { number } of list) expect(stack.sim.ledger.countFor(number)).toBe(1);
  // Nothing left to do: a second settling changes nothing, asked under the method's old name (deprecated, kept working).
  expect(await stack.producer.reconcileCampaign(campaignId, { resend: true })).toMatchObject({ unknown: 0, resent: 0 });
}, 150_000);

it('refuses settle --resend of a campaign whose not-sent recipients smsq resend already queued: nobody texted twice', async () => {
  stack.proxy.setCutRate(0.3);
  stack.proxy.cutNext(2);
  await worker();
  const list = recipients(1_000);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Resent elsewhere', recipients: list });
  const first = await finished(campaignId);
  stack.proxy.setCutRate(0);
  const r = await stack.producer.settleCampaign(campaignId);
  expect(r.notSent).toBeGreaterThan(0);
  const child = await stack.producer.resendCampaign(campaignId, { status: ['not-sent'] });
  expect(child.total).toBe(r.notSent);
  await finished(child.campaignId);
  await expect(stack.producer.settleCampaign(campaignId, { resend: true })).rejects.toMatchObject({
    code: 'CAMPAIGN_NOT_RESENDABLE',
    message: expect.stringContaining(`resent in campaign ${child.campaignId}`),
  });
  expect((await stack.producer.getCampaign(campaignId)).counts).toMatchObject({ notSent: r.notSent, sent: first.counts.sent + r.sent });
  for (const { number } of list) expect(stack.sim.ledger.countFor(number)).toBe(1);
}, 150_000);

it('with DLR_TRACKING=false indexes nothing and lists no batch for the poller', async () => {
  await worker({ tracking: false });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Untracked', recipients: recipients(300) });
  const info = await finished(campaignId);
  expect(info.counts.sent).toBe(300);
  const rs = await results(campaignId);
  const { ctx } = stack;
  expect((await ctx.delivery.index.lookup(rs.map((r) => r.msgId!))).every((l) => l === null)).toBe(true);
  const listed = await ctx.redis.zrange(ctx.keys.awaitingReports(), 0, -1);
  expect(listed.filter((m) => m.includes(`\t${campaignId}\t`))).toEqual([]);
});
