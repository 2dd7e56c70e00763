import { createProducer } from '../../src/producer';
import { createContext, type Context } from '../../src/shared/context';
import { createLogger } from '../../src/shared/logger';
import type { CampaignInfo } from '../../src/shared/types';
import { campaignEnded, resultsOf, useCampaignStack } from '../support/campaigns';
import { WorkerProcess } from '../support/cli';
import { testEnv, waitFor } from '../support/env';

const log = createLogger('silent');
const stack = useCampaignStack('suppression');
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

const finished = (campaignId: string, timeoutMs = 120_000): Promise<CampaignInfo> => campaignEnded(stack.producer, campaignId, timeoutMs);

const results = (campaignId: string) => resultsOf(stack.producer, campaignId);

const sentTo = (content: string) => [...stack.sim.ledger.entries()].filter((e) => e.content === content).map((e) => e.number);

it('sends none of the 5% suppressed recipients of a 100,000-recipient campaign, those added after enqueue included, and every other one once', async () => {
  const numbers = Array.from({ length: 100_000 }, (_, i) => String(447_300_000_000 + i));
  // Every 20th number: half of them on the list before the enqueue, half added after it — some before the
  // campaign starts, some while it sends (in its last batches, which start last).
  const suppressed = numbers.filter((_, i) => i % 20 === 0);
  const before = suppressed.filter((_, j) => j % 2 === 0);
  const afterEnqueue = suppressed.filter((_, j) => j % 2 === 1 && j < 2_000);
  const whileSending = suppressed.filter((_, j) => j % 2 === 1 && j >= 2_000);
  await stack.producer.suppressions.add(
    before.map((n) => `+${n}`),
    { reason: 'stop-reply', source: 'test' },
  );

  await ctx.queues.batches.pause();
  const queued = await stack.producer.enqueueCampaign({
    content: 'suppression at send',
    recipients: numbers.map((number) => ({ number })),
  });
  expect(queued.suppressed).toBe(before.length);
  await stack.producer.suppressions.add(afterEnqueue, { reason: 'manual' });
  await stack.worker();
  await ctx.queues.batches.resume();
  // The late numbers are in batches 40–99: add them once the first batches went out, before those start.
  await waitFor('the first batches to be sent', async () => (sentTo('suppression at send').length >= 5_000 ? true : undefined), 60_000, 10);
  await stack.producer.suppressions.add(whileSending, { reason: 'complaint' });

  const info = await finished(queued.campaignId);
  const sent = sentTo('suppression at send');
  const onList = new Set(suppressed);
  // Batches start in order, a few at a time: those with the late numbers (40 and on) had not started when they were added.
  expect(sent.filter((n) => onList.has(n))).toEqual([]);
  expect(new Set(sent).size).toBe(sent.length);
  expect(sent).toHaveLength(95_000);
  expect(info.counts).toMatchObject({ total: 100_000, suppressed: 5_000, sent: 95_000, pending: 0, failed: 0 });

  const rows = await results(queued.campaignId);
  const byNumber = new Map(rows.map((r) => [r.number, r]));
  expect(byNumber.get(before[0])).toMatchObject({ status: 'suppressed', reason: 'stop-reply' });
  expect(byNumber.get(afterEnqueue[0])).toMatchObject({ status: 'suppressed', reason: 'manual' });
  expect(byNumber.get(whileSending[whileSending.length - 1])).toMatchObject({ status: 'suppressed', reason: 'complaint' });
  for (const n of numbers) if (!onList.has(n)) expect(byNumber.get(n)!.status).toBe('sent');
}, 240_000);

it('takes a number off the list again: the next campaign sends to it', async () => {
  await stack.producer.suppressions.add(['447300500000'], { reason: 'stop-reply' });
  expect(await stack.producer.suppressions.check('+44 7300 500000')).toMatchObject({ number: '447300500000', reason: 'stop-reply' });
  expect(await stack.producer.suppressions.remove(['447300500000'])).toBe(1);
  expect(await stack.producer.suppressions.check('447300500000')).toBeNull();
  await stack.worker();
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'back on', recipients: [{ number: '447300500000' }] });
  expect((await finished(campaignId)).counts.sent).toBe(1);
  await expect(stack.producer.suppressions.add(['not a number'])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
});

describe('frequency cap across two worker processes', () => {
  it('never lets a number get a second message in the period with cap 1/24h, while two campaigns to overlapping lists send at once; a campaign that ignores the cap sends to all', async () => {
    const env = testEnv(stack.prefix, stack.sim.baseUrl, {
      SMS_BATCH_SIZE: '100',
      WORKER_CONCURRENCY: '4',
      SMS_FREQUENCY_CAP: '1/24h',
      LOG_LEVEL: 'info',
    });
    for (let i = 0; i < 2; i++) processes.push(new WorkerProcess(env));
    await Promise.all(processes.map((p) => p.started()));
    const base = 447_310_000_000;
    const listA = Array.from({ length: 3_000 }, (_, i) => ({ number: String(base + i) }));
    const listB = Array.from({ length: 3_000 }, (_, i) => ({ number: String(base + 1_500 + i) }));
    const small = await createProducer({ ...stack.config, batchSize: 100 }, log);
    try {
      const [a, b] = await Promise.all([
        small.enqueueCampaign({ content: 'cap A', recipients: listA }),
        small.enqueueCampaign({ content: 'cap B', recipients: listB }),
      ]);
      const [infoA, infoB] = [await finished(a.campaignId), await finished(b.campaignId)];
      const sent = [...sentTo('cap A'), ...sentTo('cap B')];
      expect(new Set(sent).size).toBe(sent.length);
      expect(sent).toHaveLength(4_500);
      expect(infoA.counts.capped + infoB.counts.capped).toBe(1_500);
      expect(infoA.counts.sent + infoA.counts.capped).toBe(3_000);

      const otp = await small.enqueueCampaign({ content: 'cap ignored', ignoreFrequencyCap: true, recipients: listA.slice(0, 200) });
      expect((await finished(otp.campaignId)).counts).toMatchObject({ sent: 200, capped: 0 });
      const statuses = new Set([...(await results(a.campaignId)), ...(await results(b.campaignId))].map((r) => r.status));
      expect(statuses).toEqual(new Set(['sent', 'capped']));
    } finally {
      await small.close();
    }
  }, 180_000);
});
