import { createProducer, type Producer } from '../../src/producer';
import { loadConfig } from '../../src/shared/load-config';
import { createLogger } from '../../src/shared/logger';
import type { CampaignInfo, RecipientResult } from '../../src/shared/types';
import { startSimulator, type Simulator } from '../../src/simulator';
import { WorkerProcess } from '../support/cli';
import { testEnv, uniquePrefix, waitFor } from '../support/env';
import { SentinelGroup } from '../support/redis-sentinel';

/**
 * A Redis failover in the middle of a campaign: a primary with one replica and three sentinels, worker processes
 * that find the primary through the sentinels, and the primary SIGKILLed while calls are in flight. The sentinels
 * promote the replica; the old primary comes back as its replica (as an orchestrator restarts a crashed
 * container); the workers reconnect and finish. The simulator's ledger then says who was sent twice or never.
 */
const RECIPIENTS = Number(process.env.FAILOVER_RECIPIENTS ?? 40_000);
const WORKERS = 3;
const log = createLogger('silent');

interface Figures {
  durability: string;
  recipients: number;
  sentBeforeKill: number;
  failoverMs: number;
  duplicates: number;
  lost: number;
  unknown: number;
  counts: CampaignInfo['counts'];
  seconds: number;
}

async function scenario(durability: 'replica' | 'none', base: number): Promise<Figures> {
  const group = new SentinelGroup(base);
  const sim: Simulator = await startSimulator({ faults: { latencyMs: 600, latencyJitterMs: 400 } });
  const workers: WorkerProcess[] = [];
  let producer: Producer | undefined;
  try {
    await group.start();
    const env = testEnv(uniquePrefix(`failover-${durability}`), sim.baseUrl, {
      ...group.env,
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_CLUSTER_NODES: '',
      REDIS_DURABILITY: durability,
      REDIS_DURABILITY_TIMEOUT_MS: '500',
      SMS_AUTO_SETTLE: 'true',
      SMS_SETTLE_AFTER_MS: '0',
      SMS_BATCH_SIZE: '250',
      WORKER_CONCURRENCY: '3',
      SMS_ATTEMPTS: '30',
      SMS_BACKOFF_MS: '50',
      SMS_RESPONSE_TIMEOUT_MS: '2500',
      WORKER_LOCK_DURATION_MS: '4000',
      WORKER_STALLED_INTERVAL_MS: '2000',
      LOG_LEVEL: 'info',
    });
    producer = await createProducer(loadConfig(env), log);
    for (let i = 0; i < WORKERS; i++) workers.push(new WorkerProcess(env));
    await Promise.all(workers.map((w) => w.started()));
    const numbers = Array.from({ length: RECIPIENTS }, (_, i) => String(700_000_000_000 + i));
    const started = Date.now();
    const { campaignId } = await producer.enqueueCampaign({
      content: `failover ${durability}`,
      recipients: numbers.map((number) => ({ number })),
    });
    const read = async () => producer!.getCampaign(campaignId).catch(() => undefined);

    const before = await waitFor(
      'a third of the campaign sent',
      async () => {
        const info = await read();
        return info && info.counts.sent >= RECIPIENTS / 3 ? info : undefined;
      },
      120_000,
      100,
    );
    const old = group.primary();
    const killedAt = Date.now();
    await old.crash();
    await group.failedOver(old.port);
    const failoverMs = Date.now() - killedAt;
    await old.start();

    const end = await waitFor(
      'the campaign to complete',
      async () => {
        const info = await read();
        return info?.state === 'completed' ? info : undefined;
      },
      150_000,
      500,
    );
    const results: RecipientResult[] = [];
    for await (const r of producer.campaignResults(campaignId)) results.push(r);
    const figures: Figures = {
      durability,
      recipients: RECIPIENTS,
      sentBeforeKill: before.counts.sent,
      failoverMs,
      duplicates: numbers.filter((n) => sim.ledger.countFor(n) > 1).length,
      lost: numbers.filter((n) => sim.ledger.countFor(n) === 0).length,
      unknown: results.filter((r) => r.status === 'unknown').length,
      counts: end.counts,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    process.stdout.write(`failover: ${JSON.stringify(figures)}\n`);
    return figures;
  } catch (err) {
    for (const w of workers) process.stderr.write(w.logs.slice(-3000));
    throw err;
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await producer?.close();
    await sim.close();
    await group.destroy();
  }
}

const base = 21_000 + Math.floor(Math.random() * 100) * 10;

it(
  'with REDIS_DURABILITY=replica a failover mid-campaign sends nobody twice and loses nobody',
  async () => {
    const f = await scenario('replica', base);
    expect({ duplicates: f.duplicates, lost: f.lost, unknown: f.unknown }).toEqual({ duplicates: 0, lost: 0, unknown: 0 });
    expect(f.counts).toMatchObject({ total: RECIPIENTS, sent: RECIPIENTS, pending: 0 });
  },
  4 * 60_000,
);

it(
  'with REDIS_DURABILITY=none the same failover loses nobody; duplicates are possible and reported',
  async () => {
    const f = await scenario('none', base + 5);
    // Asynchronous replication may lose a call's in-flight record: its batch then sends those recipients again.
    // The figure is printed (and kept in docs/guarantees.md); nobody is lost and nobody is left unknown either way.
    expect({ lost: f.lost, unknown: f.unknown }).toEqual({ lost: 0, unknown: 0 });
    expect(f.counts).toMatchObject({ total: RECIPIENTS, pending: 0, unknown: 0 });
  },
  4 * 60_000,
);
