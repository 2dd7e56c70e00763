import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createProducer, type Producer } from '../../src/producer';
import { loadConfig } from '../../src/shared/load-config';
import { createLogger } from '../../src/shared/logger';
import type { RecipientResult } from '../../src/shared/types';
import { startSimulator, type Simulator } from '../../src/simulator';
import { runSmsq } from '../support/cli';
import { CHAOS_VARIABLES, enqueueNumbers, pollCampaign, WorkerFleet } from '../support/chaos';
import { testEnv, uniquePrefix, waitFor } from '../support/env';
import { OwnRedis } from '../support/redis-server';

/**
 * Two gateway accounts under fire: account a runs out of balance part-way (its recipients move to b), both accounts
 * drop answers after taking the messages for stretches, and workers are SIGKILLed every few seconds — one right after
 * a's stop is recorded, while its batches fail over. Automatic settling reads each account's own records. Then every
 * number is in exactly one account's ledger, and each result names that account with that account's msgId.
 */
const RECIPIENTS = Number(process.env.CHAOS_ACCOUNT_RECIPIENTS ?? 60_000);
/** a takes about 40% of the campaign before it answers -10. */
const A_BALANCE = Math.floor(RECIPIENTS * 0.4);
const WORKERS = 3;
const KILL_EVERY_MS = 2_500;
const MIN_KILLS = 6;

const log = createLogger('silent');
const redis = new OwnRedis(16_900 + Math.floor(Math.random() * 500));
const prefix = uniquePrefix('chaos-accounts');
let sim: Simulator;
let dir: string;
let env: NodeJS.ProcessEnv;
let producer: Producer;
let workers: WorkerFleet;
const BASE_FAULTS = { transientRate: 0.05, latencyMs: 300, latencyJitterMs: 200 };

beforeAll(async () => {
  await redis.start();
  sim = await startSimulator({
    accounts: [
      // a drops answers from its first call on: recipients it took without answering must settle on a, never move.
      { name: 'a', faults: { ...BASE_FAULTS, balance: A_BALANCE, resetRate: 0.3 } },
      { name: 'b', faults: BASE_FAULTS },
    ],
  });
  dir = await mkdtemp(path.join(os.tmpdir(), 'smsq-chaos-accounts-'));
  env = testEnv(prefix, sim.baseUrl, {
    REDIS_URL: redis.url,
    SMS_ACCOUNTS: JSON.stringify([
      { name: 'a', baseUrl: sim.account('a').baseUrl, priority: 0 },
      { name: 'b', baseUrl: sim.account('b').baseUrl, priority: 1 },
    ]),
    ...CHAOS_VARIABLES,
  });
  producer = await createProducer(loadConfig(env), log);
  workers = new WorkerFleet(env);
});

afterAll(async () => {
  await workers?.killAll();
  await producer?.close();
  await sim?.close();
  await redis.destroy();
  await rm(dir, { recursive: true, force: true });
});

const poll = (campaignId: string) => pollCampaign(producer, campaignId);

it(
  'fails over from a to b through worker kills and dropped answers: every number in exactly one ledger, none unknown',
  async () => {
    const numbers = Array.from({ length: RECIPIENTS }, (_, i) => String(610_000_000_000 + i));
    for (let i = 0; i < WORKERS; i++) workers.spawn();
    await Promise.all(workers.all.map((w) => w.started()));
    const campaignId = await enqueueNumbers(dir, env, numbers, 'chaos on two accounts');

    let kills = 0;
    let killedAtStop = false;
    let stretch = 0;
    const deadline = Date.now() + 8 * 60_000;
    // Watches for a's stop more often than the kills come, to kill a worker while a's batches fail over.
    const watch = setInterval(() => {
      if (killedAtStop) return;
      void producer
        .accounts({ balance: false })
        .then(async (list) => {
          if (killedAtStop || list.find((a) => a.name === 'a')?.state !== 'stopped') return;
          killedAtStop = true;
          if (await workers.killOne()) kills++;
          workers.spawn();
        })
        .catch(() => undefined);
    }, 100);
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, KILL_EVERY_MS));
      const info = await poll(campaignId);
      if (info && info.counts.pending === 0 && kills >= MIN_KILLS) break;
      const progress = info ? 1 - info.counts.pending / info.counts.total : 0;
      if (await workers.killOne()) kills++;
      workers.spawn();
      // Every other stretch drops answers after the messages were taken, on both accounts (unknown, settled per account).
      const drop = stretch++ % 2 === 1 && progress < 0.85 ? { resetRate: 0.3 } : { resetRate: 0 };
      sim.account('a').setFaults(drop);
      sim.account('b').setFaults(drop);
    }
    clearInterval(watch);
    sim.account('a').setFaults({ resetRate: 0 });
    sim.account('b').setFaults({ resetRate: 0 });
    const done = await waitFor(
      'the campaign to complete with nobody unknown',
      async () => {
        const info = await poll(campaignId);
        return info && info.state === 'completed' && info.counts.pending === 0 ? info : undefined;
      },
      240_000,
      500,
    );

    const results: RecipientResult[] = [];
    for await (const r of producer.campaignResults(campaignId)) results.push(r);
    const ledgers = { a: sim.account('a').ledger, b: sim.account('b').ledger };
    let inBoth = 0;
    let inNone = 0;
    let twice = 0;
    let mismatched = 0;
    const byAccount: Record<string, number> = {};
    for (const r of results) {
      const a = ledgers.a.countFor(r.number);
      const b = ledgers.b.countFor(r.number);
      if (a > 0 && b > 0) inBoth++;
      if (a + b === 0) inNone++;
      if (a > 1 || b > 1) twice++;
      byAccount[r.account ?? 'none'] = (byAccount[r.account ?? 'none'] ?? 0) + 1;
      const ledger = r.account === 'a' || r.account === 'b' ? ledgers[r.account] : undefined;
      if (r.status !== 'sent' || ledger?.byMsgId(r.msgId ?? '')?.number !== r.number) mismatched++;
    }
    const dropped = { a: sim.account('a').stats().reset, b: sim.account('b').stats().reset };
    const summary = {
      recipients: results.length,
      kills,
      killedAtStop,
      dropped,
      inBoth,
      inNone,
      twice,
      mismatched,
      byAccount,
      counts: done.counts,
    };
    process.stdout.write(`chaos-accounts: ${JSON.stringify(summary)}\n`);

    expect(results).toHaveLength(RECIPIENTS);
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(killedAtStop).toBe(true);
    expect({ inBoth, inNone, twice, mismatched }).toEqual({ inBoth: 0, inNone: 0, twice: 0, mismatched: 0 });
    expect(done.counts).toMatchObject({ total: RECIPIENTS, sent: RECIPIENTS, unknown: 0, notSent: 0, failed: 0 });
    // a ran out part-way: both accounts sent, and a is stopped for its balance.
    expect(byAccount.a).toBeGreaterThan(0);
    expect(byAccount.b).toBeGreaterThan(0);
    expect(dropped.a).toBeGreaterThan(0);
    expect(dropped.b).toBeGreaterThan(0);
    const accounts = await runSmsq(['accounts', '--json'], env);
    expect(accounts.code).toBe(0);
    expect(accounts.stdout).toContain('-10');
  },
  15 * 60_000,
);
