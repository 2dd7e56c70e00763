import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { Producer } from '../../src/producer';
import type { Config } from '../../src/shared/config';
import { jobIds } from '../../src/shared/redis/keys';
import { QUEUE_NAMES } from '../../src/shared/queues';
import { RECOVERED_REASON } from '../../src/producer/recover-sent';
import { campaignEnded, resultsOf, useCampaignStack } from '../support/campaigns';
import { waitUntil } from '../support/env';
import { OwnRedis } from '../support/redis-server';
import { BEARER } from '../support/server';

/**
 * Issue 22, item 8: a Redis without persistence killed mid-campaign and restarted empty, then the campaign queued
 * again as docs/operations.md's recovery says (`recoverSince`): the gateway must end up with every number exactly once.
 */
const RECIPIENTS = 3_000;
const numbers = Array.from({ length: RECIPIENTS }, (_, i) => String(447_700_100_000 + i));

describe('recovery after a volatile Redis lost a campaign mid-send', () => {
  const own = new OwnRedis(19_900 + Math.floor(Math.random() * 90), ['--appendonly', 'no', '--save', '']);
  const stack = useCampaignStack('redis-loss', {
    redis: own,
    // Slow calls, so that the kill finds the campaign part-sent with calls in flight.
    simulator: { faults: { latencyMs: 150, latencyJitterMs: 100 } },
    env: { SMS_BATCH_SIZE: '100', WORKER_CONCURRENCY: '3' },
    app: 'inject',
    workers: 1,
  });

  it('sends each number once: what the gateway already took is recorded sent from its records, only the rest is sent', async () => {
    const campaign = { campaignId: 'spring', content: 'Spring sale: 20% off today', recipients: numbers.map((n) => ({ number: `+${n}` })) };
    const startedAt = new Date(Date.now() - 1_000).toISOString();
    await stack.producer.enqueueCampaign(campaign);
    await waitUntil('a third of the campaign to reach the gateway', () => stack.sim.stats().accepted >= RECIPIENTS / 3, 60_000, 20);

    await own.crash();
    await own.start();
    await expect(stack.producer.getCampaign('spring')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
    const before = stack.sim.stats().accepted;
    expect(before).toBeLessThan(RECIPIENTS);

    const again = await stack.producer.enqueueCampaign({ ...campaign, recoverSince: startedAt });
    // Calls in flight at the kill reached the gateway too (it records on arrival), so `recovered` may exceed `before`.
    expect(again.created).toBe(true);
    expect(again.recovered).toBeGreaterThanOrEqual(before);
    const info = await campaignEnded(stack.producer, 'spring', 120_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await whereItStands(stack.config, 'spring', stack.producer)}`);
    });
    expect(info.counts).toMatchObject({ total: RECIPIENTS, sent: RECIPIENTS, failed: 0, unknown: 0, pending: 0 });

    // The ledger: every number exactly once, and the results name the msgId the gateway gave it.
    expect(stack.sim.stats().duplicates).toBe(0);
    expect(numbers.filter((n) => stack.sim.ledger.countFor(n) !== 1)).toEqual([]);
    const results = await resultsOf(stack.producer, 'spring');
    expect(results).toHaveLength(RECIPIENTS);
    const msgIdOf = new Map([...stack.sim.ledger.entries()].map((e) => [e.number, e.msgId]));
    expect(results.filter((r) => r.status !== 'sent' || r.msgId !== msgIdOf.get(r.number))).toEqual([]);
    expect(results.filter((r) => r.reason === RECOVERED_REASON)).toHaveLength(again.recovered ?? -1);
    // campaignEnded above waits up to 120 s: the test's own budget must cover it (a Redis restart, a recovery read).
  }, 180_000);

  it('recovers through the API too: recoverSince in the JSON body, refused when it is no time, counted in the answer', async () => {
    const post = (body: Record<string, unknown>) =>
      stack.server.app.inject({ method: 'POST', url: '/v1/campaigns', headers: BEARER, payload: body });
    const body = { campaignId: 'spring-api', content: 'Spring sale: 20% off today', recipients: numbers.map((number) => ({ number })) };
    expect((await post({ ...body, recoverSince: 'last tuesday' })).json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('recoverSince') },
    });
    // Every number already has a message in the gateway's records (the test above): none is sent again.
    const answer = await post({ ...body, recoverSince: new Date(Date.now() - 10 * 60_000).toISOString() });
    expect(answer.statusCode).toBe(201);
    expect(answer.json()).toMatchObject({ created: true, total: RECIPIENTS, recovered: RECIPIENTS });
    const info = await campaignEnded(stack.producer, 'spring-api', 60_000);
    expect(info.counts).toMatchObject({ sent: RECIPIENTS, pending: 0 });
    expect(numbers.filter((n) => stack.sim.ledger.countFor(n) !== 1)).toEqual([]);
  });
});

/**
 * What a campaign that did not end is waiting for: its counts, and each batch's job state and record. This test
 * failed once in CI (400 of 3,000 never sent) and never on a quiet machine; this says where, next time.
 */
async function whereItStands(config: Config, campaignId: string, producer: Producer): Promise<string> {
  const redis = new IORedis(config.redisUrl, { maxRetriesPerRequest: 1 });
  const queue = new Queue(QUEUE_NAMES.batches, { connection: redis, prefix: config.queuePrefix });
  try {
    const info = await producer.getCampaign(campaignId).catch((e: Error) => e.message);
    const lines = [`campaign: ${JSON.stringify(info)}`];
    const batches = typeof info === 'string' ? 0 : Math.ceil(info.counts.total / 100);
    for (let k = 0; k < batches; k++) {
      const job = await queue.getJob(jobIds.batch(campaignId, k));
      const state = job ? await job.getState() : 'no job';
      const record = await redis.hgetall(`${config.queuePrefix}:campaign:${campaignId}:batch:${k}`);
      const outcomes = record.o ? Object.keys(JSON.parse(record.o) as object).length : 0;
      const fields = Object.keys(record).filter((f) => f !== 'r' && f !== 'o');
      lines.push(
        `batch ${k}: job ${state}, attempts ${job?.attemptsMade ?? '-'} ${job?.failedReason ?? ''}; record: ${outcomes} outcomes, fields ${fields.join(' ')}`,
      );
    }
    return lines.join('\n');
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
