import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createProducer, type Producer } from '../../src/producer';
import { loadConfig } from '../../src/shared/load-config';
import { createLogger } from '../../src/shared/logger';
import type { CampaignInfo, RecipientResult } from '../../src/shared/types';
import { DEFAULT_FAULTS, type Faults, startSimulator, type Simulator } from '../../src/simulator';
import { runSmsq } from '../support/cli';
import { CHAOS_VARIABLES, enqueueNumbers, pollCampaign, WorkerFleet } from '../support/chaos';
import { testEnv, uniquePrefix, waitFor } from '../support/env';
import { OwnRedis } from '../support/redis-server';

/**
 * Tries hard to break the promise: every recipient exactly once, none left unknown, with no manual command.
 * Workers are SIGKILLed every few seconds, Redis restarts once and drops every client once, and the gateway
 * hangs, resets, answers 500 and answers garbage for stretches. Automatic settling (SMS_AUTO_SETTLE) reads the
 * gateway's records for every unknown call and resends what it never got. Then the ledger and our results agree.
 */
const RECIPIENTS = Number(process.env.CHAOS_RECIPIENTS ?? 200_000);
const WORKERS = 3;
const KILL_EVERY_MS = 2_500;
const MIN_KILLS = 10;
/** Calls that may have reached the gateway without a known answer: the only acceptable `unknown`s. */
const CUT_OFF_CODES = new Set([
  'IN_FLIGHT_LOST',
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'BAD_REPLY',
  'NO_ARRAY',
  'ERR_BAD_RESPONSE',
]);
const STRETCHES: Array<Partial<Faults>> = [{ hangRate: 0.3 }, { resetRate: 0.3 }, { http500Rate: 0.5 }, { garbageRate: 0.3 }];

const log = createLogger('silent');
const redis = new OwnRedis(16_400 + Math.floor(Math.random() * 500));
const prefix = uniquePrefix('chaos');
let sim: Simulator;
let dir: string;
let env: NodeJS.ProcessEnv;
let producer: Producer;
let workers: WorkerFleet;

beforeAll(async () => {
  await redis.start();
  sim = await startSimulator({ faults: { transientRate: 0.05, latencyMs: 300, latencyJitterMs: 200 } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'smsq-chaos-'));
  // Calls of 300-500 ms (and CHAOS_VARIABLES' small batches) stretch the campaign over enough seconds for the kills to bite.
  env = testEnv(prefix, sim.baseUrl, {
    REDIS_URL: redis.url,
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
  'sends a campaign through worker kills, a Redis restart, dropped connections and a misbehaving gateway with no duplicate, nobody lost and nobody unknown, without any manual command',
  async () => {
    const numbers = Array.from({ length: RECIPIENTS }, (_, i) => String(600_000_000_000 + i));
    for (let i = 0; i < WORKERS; i++) workers.spawn();
    await Promise.all(workers.all.map((w) => w.started()));

    const campaignId = await enqueueNumbers(dir, env, numbers, 'chaos');

    let kills = 0;
    let restarted = false;
    let clientsKilled = 0;
    let stretch = 0;
    let done: CampaignInfo | undefined;
    const deadline = Date.now() + 8 * 60_000;
    while (!done && Date.now() < deadline) {
      // A fixed pace on purpose: faults strike every KILL_EVERY_MS whatever the campaign is doing, as they would in
      // production. The loop ends on what it polls right after (nobody pending), bounded by the deadline.
      await new Promise((r) => setTimeout(r, KILL_EVERY_MS));
      const info = await poll(campaignId);
      if (info && info.counts.pending === 0 && kills >= MIN_KILLS) {
        done = info;
        break;
      }
      const progress = info ? 1 - info.counts.pending / info.counts.total : 0;
      // Kill a random live worker and start a new one, as an orchestrator replacing a crashed container would.
      // None may be alive: a worker started while Redis restarts can exit on its own before its turn to be killed.
      if (await workers.killOne()) kills++;
      workers.spawn();
      if (!restarted && progress > 0.25) {
        await redis.restart();
        restarted = true;
      } else if (restarted && clientsKilled === 0 && progress > 0.45) {
        clientsKilled = await redis.killClients();
      }
      sim.setFaults({
        ...DEFAULT_FAULTS,
        transientRate: 0.05,
        latencyMs: 300,
        latencyJitterMs: 200,
        ...STRETCHES[stretch++ % STRETCHES.length],
      });
      if (progress > 0.85) sim.setFaults({ hangRate: 0, resetRate: 0, http500Rate: 0, garbageRate: 0 });
    }
    sim.setFaults({ hangRate: 0, resetRate: 0, http500Rate: 0, garbageRate: 0 });
    const allCounted =
      done ??
      (await waitFor(
        'every batch counted',
        async () => {
          const info = await poll(campaignId);
          return info && info.counts.pending === 0 ? info : undefined;
        },
        180_000,
        500,
      ));
    // Automatic settling keeps the campaign running until no recipient is unknown, resends included.
    done = await waitFor(
      'the campaign to complete with nobody unknown',
      async () => {
        const info = await poll(campaignId);
        return info && info.state === 'completed' && info.counts.pending === 0 ? info : undefined;
      },
      180_000,
      500,
    );

    const results: RecipientResult[] = [];
    for await (const r of producer.campaignResults(campaignId)) results.push(r);
    let duplicates = 0;
    let lost = 0;
    let unknown = 0;
    let mismatched = 0;
    const unknownByCode: Record<string, number> = {};
    for (const r of results) {
      const accepted = sim.ledger.countFor(r.number);
      if (accepted > 1) duplicates++;
      if (r.status === 'pending') lost++;
      if (r.status === 'sent' && (accepted !== 1 || sim.ledger.byMsgId(r.msgId!)?.number !== r.number)) mismatched++;
      if (r.status === 'failed' && accepted !== 0) mismatched++;
      if (r.status === 'unknown') {
        unknown++;
        unknownByCode[r.code ?? ''] = (unknownByCode[r.code ?? ''] ?? 0) + 1;
        if (!CUT_OFF_CODES.has(r.code ?? '')) mismatched++;
      }
    }
    let twice = 0;
    let missing = 0;
    for (const n of numbers) {
      const accepted = sim.ledger.countFor(n);
      if (accepted > 1) twice++;
      if (accepted === 0) missing++;
    }
    const summary = {
      recipients: results.length,
      kills,
      redisRestarts: restarted ? 1 : 0,
      clientsKilled,
      duplicates,
      lost,
      unknown,
      mismatched,
      unknownByCode,
      unknownWhenAllCounted: allCounted.counts.unknown,
      twice,
      missing,
      counts: done.counts,
    };
    process.stdout.write(`chaos: ${JSON.stringify(summary)}\n`);

    expect(results).toHaveLength(RECIPIENTS);
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(restarted).toBe(true);
    expect(clientsKilled).toBeGreaterThan(0);
    expect({ duplicates, lost, mismatched, unknown }).toEqual({ duplicates: 0, lost: 0, mismatched: 0, unknown: 0 });
    expect(sim.ledger.duplicates()).toBe(0);
    expect(done.counts).toMatchObject({ total: RECIPIENTS, sent: RECIPIENTS, unknown: 0, notSent: 0, failed: 0 });
    expect({ twice, missing }).toEqual({ twice: 0, missing: 0 });

    // Nothing is left for an operator: smsq settle finds nothing to settle and nothing to resend.
    const settle = await runSmsq(['settle', campaignId, '--resend', '--json'], env);
    if (settle.code !== 0) throw new Error(`smsq settle exited ${settle.code}: ${settle.stderr.slice(-2000)}`);
    expect(JSON.parse(settle.stdout)).toMatchObject({ unknown: 0, sent: 0, notSent: 0, resent: 0 });
  },
  15 * 60_000,
);
