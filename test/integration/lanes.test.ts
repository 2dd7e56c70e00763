import { createContext, type Context } from '../../src/shared/context';
import { createLogger } from '../../src/shared/logger';
import type { CampaignInfo } from '../../src/shared/types';
import type { LedgerEntry } from '../../src/simulator';
import { campaignEnded, useCampaignStack } from '../support/campaigns';
import { WorkerProcess } from '../support/cli';
import { testEnv, waitFor } from '../support/env';

const log = createLogger('silent');
const BATCH = 10;
const stack = useCampaignStack('lanes', { env: { SMS_BATCH_SIZE: String(BATCH) } });
const { worker } = stack;
let ctx: Context;
const processes: WorkerProcess[] = [];

beforeAll(async () => {
  ctx = await createContext(stack.config, log, 'client');
});

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill('SIGKILL')));
});

afterAll(async () => {
  await ctx.close();
});

let nextNumber = 447_600_000_000;
function recipients(n: number) {
  return Array.from({ length: n }, () => ({ number: String(nextNumber++) }));
}

const finished = (campaignId: string, timeoutMs = 60_000): Promise<CampaignInfo> => campaignEnded(stack.producer, campaignId, timeoutMs);

/** The simulator's calls in the order it accepted them, as the content of each: with batches of BATCH numbers and one call at a time, a call is BATCH consecutive entries. */
function callOrder(contents: string[]): string[] {
  const mine = [...stack.sim.ledger.entries()].filter((e) => contents.includes(e.content));
  const calls: string[] = [];
  for (let i = 0; i < mine.length; i += BATCH) calls.push(mine[i].content);
  return calls;
}

function entriesOf(content: string): LedgerEntry[] {
  return [...stack.sim.ledger.entries()].filter((e) => e.content === content);
}

/** Queues campaigns while no batch can start (the batches queue paused), so that each test decides what waits. */
async function queueWhileHeld(campaigns: Array<{ content: string; n: number; priority?: 'high' | 'normal' | 'low' }>): Promise<string[]> {
  await ctx.queues.batches.pause();
  const ids: string[] = [];
  for (const c of campaigns)
    ids.push((await stack.producer.enqueueCampaign({ content: c.content, priority: c.priority, recipients: recipients(c.n) })).campaignId);
  // Each campaign's split job has run once its first batches wait in the (paused) batches queue.
  const expected = campaigns.reduce((sum, c) => sum + Math.min(Math.ceil(c.n / BATCH), stack.config.releaseAhead), 0);
  await waitFor('the split jobs to release the first batches', async () => {
    const counts = await ctx.queues.batches.getJobCounts('prioritized');
    return counts.prioritized >= expected ? true : undefined;
  });
  return ids;
}

it('starts every waiting batch of a higher priority before any batch of a lower one', async () => {
  await worker({ concurrency: 1 });
  const ids = await queueWhileHeld([
    { content: 'prio low', n: 80, priority: 'low' },
    { content: 'prio normal', n: 80 },
    { content: 'prio high', n: 80, priority: 'high' },
  ]);
  await ctx.queues.batches.resume();
  for (const id of ids) expect((await finished(id)).counts.sent).toBe(80);

  const order = callOrder(['prio low', 'prio normal', 'prio high']);
  expect(order).toEqual([...Array(8).fill('prio high'), ...Array(8).fill('prio normal'), ...Array(8).fill('prio low')]);
  expect((await stack.producer.getCampaign(ids[2])).priority).toBe('high');
  expect((await stack.producer.getCampaign(ids[1])).priority).toBe('normal');
});

it('takes turns between two large campaigns of one priority: neither sends more than SMS_RELEASE_AHEAD batches in a row while both wait', async () => {
  await worker({ concurrency: 1 });
  const ids = await queueWhileHeld([
    { content: 'turns A', n: 200 },
    { content: 'turns B', n: 200 },
  ]);
  await ctx.queues.batches.resume();
  for (const id of ids) await finished(id);

  const order = callOrder(['turns A', 'turns B']);
  expect(order).toHaveLength(40);
  // While both have batches left, the longest run of one campaign's calls is the release window.
  const lastA = order.lastIndexOf('turns A');
  const lastB = order.lastIndexOf('turns B');
  const both = order.slice(0, Math.min(lastA, lastB) + 1);
  let run = 0;
  let longest = 0;
  both.forEach((c, i) => {
    run = i > 0 && both[i - 1] === c ? run + 1 : 1;
    longest = Math.max(longest, run);
  });
  expect(longest).toBeLessThanOrEqual(stack.config.releaseAhead);
  expect(both.filter((c) => c === 'turns B').length).toBeGreaterThanOrEqual(15);
  const info = await stack.producer.getCampaign(ids[1]);
  expect(info.firstBatchAt).toBeLessThanOrEqual(info.lastBatchAt!);
});

it('pauses one campaign while another keeps sending, and sends the rest of it once resumed, each number once', async () => {
  stack.sim.setFaults({ latencyMs: 30 });
  await worker({ concurrency: 2 });
  const a = await stack.producer.enqueueCampaign({ content: 'pause A', recipients: recipients(400) });
  const b = await stack.producer.enqueueCampaign({ content: 'pause B', recipients: recipients(400) });
  await waitFor('campaign A to start sending', async () => (entriesOf('pause A').length >= 2 * BATCH ? true : undefined));
  const paused = await stack.producer.pauseCampaign(a.campaignId, { reason: 'checking the text' });
  expect(paused.state).toBe('paused');
  expect(paused.paused).toMatchObject({ by: 'operator', reason: 'checking the text' });

  // Batches in flight finish; after that, none of A's batches is active and those that started are parked.
  await waitFor('campaign A to have no batch active', async () => {
    const active = await ctx.queues.batches.getJobs(['active'], 0, -1);
    return active.some((j) => j.data.campaignId === a.campaignId) ? undefined : true;
  });
  const sentBeforeB = entriesOf('pause A').length;
  expect((await finished(b.campaignId)).counts.sent).toBe(400);
  // B sent all 40 of its batches meanwhile; A sent nothing more.
  expect(entriesOf('pause A').length).toBe(sentBeforeB);
  const held = await stack.producer.getCampaign(a.campaignId);
  expect(held.state).toBe('paused');
  expect(held.counts.pending).toBeGreaterThan(0);

  const resumed = await stack.producer.resumeCampaign(a.campaignId);
  expect(resumed.state).toBe('running');
  expect(resumed.paused).toBeUndefined();
  expect((await finished(a.campaignId)).counts).toMatchObject({ sent: 400, pending: 0 });
  const numbers = entriesOf('pause A').map((e) => e.number);
  expect(new Set(numbers).size).toBe(400);
  expect(numbers).toHaveLength(400);
});

it('refuses to pause or resume a campaign that has ended, and a bad priority or maxRate at enqueue', async () => {
  await worker();
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'ended', recipients: recipients(5) });
  await finished(campaignId);
  await expect(stack.producer.pauseCampaign(campaignId)).rejects.toMatchObject({ code: 'CAMPAIGN_FINISHED' });
  await expect(stack.producer.resumeCampaign(campaignId)).rejects.toMatchObject({ code: 'CAMPAIGN_FINISHED' });
  await expect(stack.producer.pauseCampaign('no-such-campaign')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
  await expect(
    stack.producer.enqueueCampaign({ content: 'x', priority: 'urgent' as never, recipients: recipients(1) }),
  ).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
    details: { fields: { priority: 'must be one of high, normal, low' } },
  });
  await expect(stack.producer.enqueueCampaign({ content: 'x', maxRate: 0, recipients: recipients(1) })).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
  });
});

it('cancels a paused campaign: its held batches end cancelled and are never sent', async () => {
  stack.sim.setFaults({ latencyMs: 20 });
  await worker({ concurrency: 1 });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'paused then cancelled', recipients: recipients(300) });
  await waitFor('the campaign to start sending', async () => (entriesOf('paused then cancelled').length > 0 ? true : undefined));
  await stack.producer.pauseCampaign(campaignId);
  const info = await stack.producer.cancelCampaign(campaignId);
  expect(info.state).toBe('cancelled');
  const end = await finished(campaignId);
  expect(end.counts.sent + end.counts.cancelled).toBe(300);
  expect(end.counts.cancelled).toBeGreaterThan(0);
  expect(entriesOf('paused then cancelled').length).toBe(end.counts.sent);
});

describe('across two worker processes', () => {
  const workerEnv = (extra: Record<string, string>) =>
    testEnv(stack.prefix, stack.sim.baseUrl, { SMS_BATCH_SIZE: String(BATCH), WORKER_CONCURRENCY: '4', LOG_LEVEL: 'info', ...extra });

  function spawnWorkers(extra: Record<string, string>): NodeJS.ProcessEnv {
    const env = workerEnv(extra);
    for (let i = 0; i < 2; i++) processes.push(new WorkerProcess(env));
    return env;
  }

  /** Acceptance times can bunch by one call's transit time: a cap held by the sender shows as spacing of at least (interval − slack). */
  const SLACK_MS = 400;

  it("holds a campaign's maxRate across both workers, and a capped campaign does not hold back another", async () => {
    spawnWorkers({});
    await Promise.all(processes.map((p) => p.started()));
    // 10 recipients per second and batches of 10: one batch a second at most, whichever worker takes it.
    const capped = await stack.producer.enqueueCampaign({ content: 'capped', maxRate: 10, recipients: recipients(60) });
    await waitFor('the capped campaign to start', async () => (entriesOf('capped').length > 0 ? true : undefined));
    const free = await stack.producer.enqueueCampaign({ content: 'uncapped', recipients: recipients(300) });
    await finished(free.campaignId);
    // The uncapped campaign, queued later, ended while the capped one still had batches to send.
    expect((await stack.producer.getCampaign(capped.campaignId)).counts.pending).toBeGreaterThan(0);
    expect((await finished(capped.campaignId)).counts.sent).toBe(60);

    const at = entriesOf('capped').map((e) => e.at);
    expect(at).toHaveLength(60);
    const starts = Array.from({ length: 6 }, (_, k) => at[k * BATCH]);
    for (let k = 1; k < starts.length; k++) expect(starts[k] - starts[k - 1]).toBeGreaterThanOrEqual(1_000 - SLACK_MS);
    expect(starts[5] - starts[0]).toBeGreaterThanOrEqual(5_000 - SLACK_MS);
  });

  it('holds a senderId call limit across both workers and campaigns of that sender', async () => {
    spawnWorkers({ SMS_SENDER_RATE_LIMITS: 'SLOWSHOP:2,OTHER:1000' });
    await Promise.all(processes.map((p) => p.started()));
    const one = await stack.producer.enqueueCampaign({ content: 'sender one', senderId: 'SLOWSHOP', recipients: recipients(40) });
    const two = await stack.producer.enqueueCampaign({ content: 'sender two', senderId: 'SLOWSHOP', recipients: recipients(40) });
    await finished(one.campaignId);
    await finished(two.campaignId);
    // 8 calls at 2 a second: at least 3.5 s from the first call to the last, whichever worker or campaign made them.
    const at = [...entriesOf('sender one'), ...entriesOf('sender two')].map((e) => e.at).sort((x, y) => x - y);
    const calls = Array.from({ length: 8 }, (_, k) => at[k * BATCH]);
    for (let k = 1; k < calls.length; k++) expect(calls[k] - calls[k - 1]).toBeGreaterThanOrEqual(500 - SLACK_MS);
    expect(calls[7] - calls[0]).toBeGreaterThanOrEqual(3_500 - SLACK_MS);
  });

  it('loses and repeats no batch when workers are SIGKILLed again and again while they release batches', async () => {
    stack.sim.setFaults({ latencyMs: 15 });
    const env = spawnWorkers({ WORKER_LOCK_DURATION_MS: '3000', WORKER_STALLED_INTERVAL_MS: '1000', SMS_RELEASE_AHEAD: '2' });
    await Promise.all(processes.map((p) => p.started()));
    const list = recipients(3_000);
    const { campaignId } = await stack.producer.enqueueCampaign({ content: 'killed while releasing', recipients: list });
    // Every batch start releases one; kill a worker each time 20 more batches have been sent, and start another.
    let kills = 0;
    while (kills < 8) {
      const before = entriesOf('killed while releasing').length;
      await waitFor(
        'more batches to be sent',
        async () => {
          const n = entriesOf('killed while releasing').length;
          return n >= before + 20 * BATCH || n >= list.length ? true : undefined;
        },
        60_000,
        20,
      );
      if (entriesOf('killed while releasing').length >= list.length) break;
      const victim = processes.shift()!;
      await victim.kill('SIGKILL');
      kills++;
      const fresh = new WorkerProcess(env);
      processes.push(fresh);
    }
    const end = await finished(campaignId, 120_000);
    expect(kills).toBeGreaterThan(2);
    expect(end.counts.pending).toBe(0);
    expect(end.counts.sent + end.counts.unknown).toBe(3_000);
    const sent = entriesOf('killed while releasing').map((e) => e.number);
    expect(new Set(sent).size).toBe(sent.length);
    // Every recipient the campaign counts as sent is in the ledger; unknown ones are those whose call a kill cut.
    expect(sent.length).toBeGreaterThanOrEqual(end.counts.sent);
    expect(sent.length).toBeLessThanOrEqual(end.counts.sent + end.counts.unknown);
  });
});
