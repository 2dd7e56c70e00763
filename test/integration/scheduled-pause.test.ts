/**
 * A scheduled campaign can be paused like a running one: paused past its sendAt it sends nothing (its batches
 * are released and parked), and once resumed every recipient is sent exactly once. Resumed before its sendAt it
 * is scheduled again and starts at sendAt. Real Redis, a worker, the simulator over HTTP.
 */
import { campaignEnded, useCampaignStack } from '../support/campaigns';
import { testRedis, waitFor } from '../support/env';

const stack = useCampaignStack('scheduled-pause', { env: { SMS_BATCH_SIZE: '5' } });
const redis = testRedis();

afterAll(() => redis.disconnect());

const numbers = (base: number, n: number) => Array.from({ length: n }, (_, i) => ({ number: String(base + i) }));
const ledgerFor = (content: string) => [...stack.sim.ledger.entries()].filter((e) => e.content === content);
const inAFewSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

it('pauses a scheduled campaign: past its sendAt nothing is sent until it is resumed, then everyone once', async () => {
  const { producer } = stack;
  const content = 'scheduled, then paused';
  const q = await producer.enqueueCampaign({
    campaignId: 'sched-paused',
    content,
    recipients: numbers(447_700_910_000, 12),
    sendAt: inAFewSeconds(2),
  });
  expect((await producer.getCampaign(q.campaignId)).state).toBe('scheduled');

  const paused = await producer.pauseCampaign(q.campaignId, { reason: 'wrong link' });
  expect(paused.state).toBe('paused');
  expect(paused.paused).toMatchObject({ by: 'operator', reason: 'wrong link' });

  await stack.worker();
  // Past sendAt the split job has run and every batch that started was parked rather than sent.
  await waitFor(
    'the batches to be parked',
    async () => ((await redis.scard(`${stack.prefix}:campaign:${q.campaignId}:parked`)) >= 3 ? true : undefined),
    30_000,
  );
  expect(ledgerFor(content)).toHaveLength(0);
  expect((await producer.getCampaign(q.campaignId)).state).toBe('paused');

  await producer.resumeCampaign(q.campaignId);
  const info = await campaignEnded(producer, q.campaignId);
  expect(info.state).toBe('completed');
  expect(info.counts.sent).toBe(12);
  const sent = ledgerFor(content)
    .map((e) => e.number)
    .sort();
  expect(sent).toEqual(
    numbers(447_700_910_000, 12)
      .map((r) => r.number)
      .sort(),
  );
}, 90_000);

it('resumed before its sendAt it is scheduled again, and starts at sendAt', async () => {
  const { producer } = stack;
  const content = 'paused and resumed before sendAt';
  const sendAt = inAFewSeconds(3);
  const q = await producer.enqueueCampaign({ campaignId: 'sched-resumed', content, recipients: numbers(447_700_920_000, 6), sendAt });
  await producer.pauseCampaign(q.campaignId);
  const resumed = await producer.resumeCampaign(q.campaignId);
  expect(resumed.state).toBe('scheduled');

  await stack.worker();
  const info = await campaignEnded(producer, q.campaignId);
  expect(info.counts.sent).toBe(6);
  const entries = ledgerFor(content);
  expect(entries).toHaveLength(6);
  expect(new Set(entries.map((e) => e.number)).size).toBe(6);
  // Nothing went out before the schedule: the first acceptance is at or after sendAt.
  expect(Math.min(...entries.map((e) => e.at))).toBeGreaterThanOrEqual(Date.parse(sendAt));
}, 90_000);
