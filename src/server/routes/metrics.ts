/**
 * GET /metrics: this process's counters (src/shared/metrics.ts: in the demo, its workers' too) and, read from
 * Redis at scrape time, what every replica shares: jobs by state per queue, pauses, account-level stops, and each
 * gateway account's stop and circuit breaker. Workers serve their counters only: gauges read from Redis would
 * come once per replica.
 */
import type { FastifyInstance } from 'fastify';
import { Gauge, Registry } from 'prom-client';
import type { Context } from '../../shared/context';
import { BULLMQ_PRIORITY, PRIORITIES } from '../../shared/campaign/lanes';
import { metricsRegistry } from '../../shared/metrics';
import { readAccountStop } from '../../shared/campaign/sending-control';
import type { ServerDeps } from '../app';
import { redisAnswers } from './health';

/** Gauges of one server, registered in a registry of its own so that several servers can live in one process. */
function queueGauges(ctx: Context) {
  const registers = [new Registry()];
  const gauges = {
    redisUp: new Gauge({ name: 'smsq_redis_up', help: '1 when Redis answers the server.', registers }),
    jobs: new Gauge({
      name: 'smsq_jobs',
      help: 'Jobs by queue (campaigns, batches, webhooks: one job per event) and state.',
      labelNames: ['queue', 'state'] as const,
      registers,
    }),
    paused: new Gauge({
      name: 'smsq_queue_paused',
      help: '1 when the queue is paused (smsq pause, or an account-level stop).',
      labelNames: ['queue'] as const,
      registers,
    }),
    waiting: new Gauge({
      name: 'smsq_batches_waiting',
      help: "Batch jobs waiting in each lane (the campaign's priority); each campaign keeps at most SMS_RELEASE_AHEAD of its batches waiting.",
      labelNames: ['priority'] as const,
      registers,
    }),
    accountStopped: new Gauge({
      name: 'smsq_account_stopped',
      help: '1 while sending is stopped for the whole account; see GET /readyz for why.',
      registers,
    }),
    accountUp: new Gauge({
      name: 'smsq_account_up',
      help: 'Per gateway account: 1 while it may send, 0 while it is stopped (its gateway refused it; smsq accounts resume NAME after fixing it).',
      labelNames: ['account'] as const,
      registers,
    }),
    accountBreakerOpen: new Gauge({
      name: 'smsq_account_breaker_open',
      help: "Per gateway account: 1 from its circuit breaker's opening (SMS_BREAKER_FAILURES transient failures in a row) until a call through it succeeds, probe time included.",
      labelNames: ['account'] as const,
      registers,
    }),
    accountBalance: new Gauge({
      name: 'smsq_account_balance',
      help: "Per gateway account: what it can spend (getBalance's balance + credit, in the account's currency), read at most once a minute (every 5 s while it cannot be); absent until read, and kept at its last value while it cannot be.",
      labelNames: ['account'] as const,
      registers,
    }),
    rateLimitTtl: new Gauge({
      name: 'smsq_rate_limit_ttl_seconds',
      help: 'Time until the shared limiter (SMS_RATE_LIMIT_PER_SECOND) lets the next batch start; 0 when it is not holding workers back.',
      registers,
    }),
  };

  async function sample(): Promise<void> {
    const up = await redisAnswers(ctx);
    gauges.redisUp.set(up ? 1 : 0);
    if (!up) return; // the other gauges keep their last values; smsq_redis_up says they are stale
    const limit = ctx.config.rateLimitPerSecond;
    await Promise.all([
      ...[ctx.queues.campaigns, ctx.queues.batches, ctx.queues.webhooks].map(async (q) => {
        const [counts, paused] = await Promise.all([q.getJobCounts(), q.isPaused()]);
        for (const [state, n] of Object.entries(counts)) gauges.jobs.labels(q.name, state).set(n);
        gauges.paused.labels(q.name).set(paused ? 1 : 0);
      }),
      ctx.queues.batches.getCountsPerPriority(PRIORITIES.map((p) => BULLMQ_PRIORITY[p])).then((counts) => {
        for (const p of PRIORITIES) gauges.waiting.labels(p).set(counts[BULLMQ_PRIORITY[p]] ?? 0);
      }),
      readAccountStop(ctx).then((stop) => gauges.accountStopped.set(stop ? 1 : 0)),
      ctx.accountStates.read(true).then((states) => {
        for (const [account, v] of states) {
          gauges.accountUp.labels(account).set(v.stop ? 0 : 1);
          gauges.accountBreakerOpen.labels(account).set(v.openUntil > 0 ? 1 : 0);
        }
      }),
      (limit > 0 ? ctx.queues.batches.getRateLimitTtl(limit) : Promise.resolve(0)).then((ms) =>
        gauges.rateLimitTtl.set(Math.max(ms, 0) / 1000),
      ),
    ]);
  }
  /**
   * Balances cost one gateway query per account: read in the background, at most once a minute per server (every
   * BALANCE_RETRY_MS while one cannot be read), so that a scrape never waits on the gateway (each query has its own
   * deadline).
   */
  let balancesDueAt = 0;
  function refreshBalances(read: () => Promise<ReadonlyArray<{ name: string; balance?: { available: string } }>>): void {
    const now = Date.now();
    if (now < balancesDueAt) return;
    balancesDueAt = now + BALANCE_EVERY_MS;
    read()
      .then((list) => {
        for (const a of list) {
          const available = a.balance ? Number(a.balance.available) : NaN;
          if (Number.isFinite(available)) gauges.accountBalance.labels(a.name).set(available);
          else balancesDueAt = Math.min(balancesDueAt, now + BALANCE_RETRY_MS);
        }
      })
      .catch(() => {
        balancesDueAt = now + BALANCE_RETRY_MS;
      });
  }
  return { local: registers[0], sample, refreshBalances };
}

const BALANCE_EVERY_MS = 60_000;
const BALANCE_RETRY_MS = 5_000;

export async function metricsRoutes(app: FastifyInstance, { ctx, producer }: ServerDeps): Promise<void> {
  const { local, sample, refreshBalances } = queueGauges(ctx);
  app.get('/metrics', async (_req, reply) => {
    refreshBalances(() => producer.accounts({ balance: true }));
    await sample();
    const text = `${await metricsRegistry.metrics()}\n${await local.metrics()}`;
    return reply.type(metricsRegistry.contentType).send(text);
  });
}
