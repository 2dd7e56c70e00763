import { Worker } from 'bullmq';
import { Cluster, type Redis } from 'ioredis';
import type { Config } from '../shared/config';
import { createContext, type Context, type ContextOptions } from '../shared/context';
import { AccountGateways } from '../shared/accounts/gateways';
import type { Logger } from '../shared/logger';
import { JOB_NAMES, POLL_SCHEDULER_ID, QUEUE_NAMES, REPLY_POLL_SCHEDULER_ID, type WorkerOf } from '../shared/queues';
import { checkDurability } from '../shared/redis/durability';
import type { RedisClient } from '../shared/redis/connection';
import { checkRedisForProduction, refuseVolatileRedis } from '../shared/redis/checks';
import { redisRefusal } from '../shared/redis/errors';
import type { KeyStore } from '../shared/tenants/key-store';
import { pollReplies } from './poll-replies';
import { pollReports } from './poll-reports';
import { sendBatch, TransientBatchError } from './send-batch';
import { settleJob } from './settle-job';
import { checkCanary } from './canary-check';
import { expireCampaign, splitCampaign } from './split-campaign';
import { deliverWebhook, webhookBackoff } from './deliver-webhook';
import { retryOnRedisRefusal } from './redis-refusal';
import { webhookAgents } from './webhook-post';

export interface SmsqWorker {
  /** The API keys, on the worker's connection: its /metrics checks them (KeyStore.check reads Redis each time). */
  readonly apiKeys: KeyStore;
  /** Stops taking batches, lets the ones in flight finish (up to SHUTDOWN_GRACE_MS), then disconnects. */
  close(): Promise<void>;
}

/**
 * A re-run of a batch is safe (its record says what was sent), so a job that stalls several times — a worker
 * killed again and again — is still worth re-running rather than failing with recipients left pending.
 */
const MAX_STALLED_COUNT = 10;

/** Starts one worker process's share of the work: splitting campaigns, sending batches, delivering webhook events. */
export async function startWorker(config: Config, log: Logger, opts: ContextOptions = {}): Promise<SmsqWorker> {
  const ctx = await createContext(config, log, 'worker', opts);
  await checkRedisForProduction(ctx.redis, log);
  try {
    await refuseVolatileRedis(ctx.redis, config.allowVolatile);
    await checkDurability(ctx.redis, config.durability, log);
  } catch (err) {
    await ctx.close();
    throw err;
  }
  const duplicates = trackDuplicates(ctx.redis);
  // One send client and one query client per gateway account, made when first used.
  const gateways = new AccountGateways(config, log);
  const common = {
    connection: ctx.redis,
    prefix: config.queuePrefix,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: MAX_STALLED_COUNT,
  };
  const splitter: WorkerOf<'campaigns'> = new Worker(
    QUEUE_NAMES.campaigns,
    retryOnRedisRefusal(log, (job) =>
      job.name === JOB_NAMES.expire
        ? expireCampaign(ctx, job)
        : job.name === JOB_NAMES.canary
          ? checkCanary(ctx, job)
          : splitCampaign(ctx, job),
    ),
    {
      ...common,
      concurrency: 2,
    },
  );
  const sender: WorkerOf<'batches'> = new Worker(
    QUEUE_NAMES.batches,
    retryOnRedisRefusal(log, (job, token) => sendBatch(ctx, gateways, job, token)),
    {
      ...common,
      concurrency: config.concurrency,
      // BullMQ's limiter is kept in Redis, so it is shared by every worker of the queue.
      ...(config.rateLimitPerSecond > 0 ? { limiter: { max: config.rateLimitPerSecond, duration: 1_000 } } : {}),
    },
  );
  const poller: WorkerOf<'delivery'> = new Worker(QUEUE_NAMES.delivery, () => pollReports(ctx, gateways), { ...common, concurrency: 1 });
  // One settle job at a time per worker: each reads a campaign's batches and pages of the gateway's records.
  const settler: WorkerOf<'settle'> = new Worker(
    QUEUE_NAMES.settle,
    retryOnRedisRefusal(log, (job, token) => settleJob(ctx, gateways, job, token)),
    { ...common, concurrency: 1 },
  );
  const replyPoller: WorkerOf<'replies'> = new Worker(QUEUE_NAMES.replies, () => pollReplies(ctx, gateways), { ...common, concurrency: 1 });
  const webhookLog = log.child({ component: 'webhooks' });
  // An event whose worker died mid-attempt comes back after the lock expires: at least once, never lost.
  const agents = webhookAgents(config.webhooks.concurrency);
  const webhooks: WorkerOf<'webhooks'> = new Worker(
    QUEUE_NAMES.webhooks,
    retryOnRedisRefusal(log, (job) => deliverWebhook(config.webhooks, ctx.webhooks.owners, agents, job, webhookLog)),
    {
      ...common,
      concurrency: config.webhooks.concurrency,
      settings: { backoffStrategy: webhookBackoff },
    },
  );
  // Listened to before anything is awaited: a Worker's 'error' (Redis refusing its fetch) with no listener throws.
  const onError = workerErrorLog(log);
  for (const w of [splitter, sender, poller, replyPoller, settler, webhooks]) w.on('error', onError);
  await whileRedisTakesWrites(
    log,
    'the delivery report poller',
    schedulePoller(ctx.queues.delivery, config.delivery.tracking ? config.delivery.pollIntervalMs : 0),
  );
  await whileRedisTakesWrites(log, 'the reply poller', scheduleReplyPoller(ctx.queues.replies, config.replies.pollIntervalMs));
  sender.on('failed', (job, err) => {
    const transient = err instanceof TransientBatchError;
    log[transient ? 'warn' : 'error'](
      { campaignId: job?.data.campaignId, batch: job?.data.batch, attemptsMade: job?.attemptsMade, err },
      transient ? 'batch attempt failed; will retry' : 'batch failed',
    );
  });
  log.info({ queuePrefix: config.queuePrefix, concurrency: config.concurrency, gateway: config.gateway.baseUrl }, 'worker started');

  let closing: Promise<void> | null = null;
  return {
    apiKeys: ctx.apiKeys,
    close() {
      closing ??= (async () => {
        const graceful = Promise.all([
          splitter.close(),
          sender.close(),
          poller.close(),
          replyPoller.close(),
          settler.close(),
          webhooks.close(),
        ]);
        const timedOut = await Promise.race([
          graceful.then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), config.shutdownGraceMs).unref()),
        ]);
        if (timedOut) {
          // Abandoned batches stall and are re-run elsewhere; their in-flight records keep that safe.
          log.warn({ timeoutMs: config.shutdownGraceMs }, 'batches still in flight at shutdown timeout; abandoning them');
          await Promise.race([
            Promise.all([
              splitter.close(true),
              sender.close(true),
              poller.close(true),
              replyPoller.close(true),
              settler.close(true),
              webhooks.close(true),
            ]),
            new Promise((r) => setTimeout(r, 2_000).unref()),
          ]);
        }
        duplicates.disconnectAll();
        gateways.close();
        agents.destroy();
        await ctx.close();
        log.info('worker stopped');
      })();
      return closing;
    },
  };
}

/**
 * Each BullMQ Worker duplicates the connection it is given (for its blocking fetch) and quits the duplicate on
 * close(). On a Redis Cluster that quit can miss a node connection: test:cluster's leak check found one still
 * connected and idle after close(), about one run in four with the machine loaded. It had been opened by the
 * cluster's start-up ready check, and disconnecting the cluster afterwards did not close it either (it was no
 * longer among the cluster's nodes). Such a socket keeps a process that closed its worker from exiting by itself.
 * So each duplicate, and each node connection it opens (ioredis' public `+node` event), is remembered until it ends,
 * and what is left is disconnected once the Workers have closed.
 */
function trackDuplicates(redis: RedisClient): { disconnectAll(): void } {
  const open = new Set<Redis | Cluster>();
  const remember = (connection: Redis | Cluster) => {
    open.add(connection);
    connection.once('end', () => open.delete(connection));
  };
  const duplicate = redis.duplicate.bind(redis) as (...args: unknown[]) => Redis | Cluster;
  (redis as { duplicate: (...args: unknown[]) => Redis | Cluster }).duplicate = (...args) => {
    const copy = duplicate(...args);
    remember(copy);
    if (copy instanceof Cluster) copy.on('+node', remember);
    return copy;
  };
  return {
    disconnectAll() {
      for (const connection of open) connection.disconnect();
    },
  };
}

/** While Redis refuses writes, each Worker's fetch fails hundreds of times a second: that is said once per interval. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

function workerErrorLog(log: Logger): (err: Error) => void {
  let lastRefusalLog = 0;
  let unlogged = 0;
  return (err) => {
    const refusal = redisRefusal(err);
    if (refusal === null) return log.error({ err }, 'worker error');
    const now = Date.now();
    if (now - lastRefusalLog < REFUSAL_LOG_INTERVAL_MS) {
      unlogged++;
      return;
    }
    log.error(
      { err, refusal, since: unlogged },
      "Redis refuses the worker's commands; it carries on once Redis takes them (`since`: refusals since the last such line)",
    );
    lastRefusalLog = now;
    unlogged = 0;
  };
}

/**
 * A worker starts on a Redis that refuses writes (full, read-only) and sends once it takes them again: only the
 * pollers' schedules, which every worker's start upserts, are left to the next start of any worker.
 */
async function whileRedisTakesWrites(log: Logger, what: string, step: Promise<void>): Promise<void> {
  try {
    await step;
  } catch (err) {
    const refusal = redisRefusal(err);
    if (refusal !== 'full' && refusal !== 'read-only') throw err;
    log.warn({ refusal, err }, `Redis refuses writes: ${what} was not scheduled now; the next start of any worker schedules it`);
  }
}

/** Every worker upserts the same scheduler (idempotent); an interval of 0 removes it, turning polling off. */
async function schedulePoller(queue: Context['queues']['delivery'], everyMs: number): Promise<void> {
  if (everyMs === 0) await queue.removeJobScheduler(POLL_SCHEDULER_ID);
  else await queue.upsertJobScheduler(POLL_SCHEDULER_ID, { every: everyMs }, { name: JOB_NAMES.pollReports, data: {} });
}

/** As schedulePoller, for the reply (recordMo) poller. */
async function scheduleReplyPoller(queue: Context['queues']['replies'], everyMs: number): Promise<void> {
  if (everyMs === 0) await queue.removeJobScheduler(REPLY_POLL_SCHEDULER_ID);
  else await queue.upsertJobScheduler(REPLY_POLL_SCHEDULER_ID, { every: everyMs }, { name: JOB_NAMES.pollReplies, data: {} });
}
