import { Queue, type Job, type Worker } from 'bullmq';
import type { RedisClient } from './redis/connection';
import type { Config } from './config';
import type { PollSummary } from './delivery/poll-summary';
import type { ReplyPollSummary } from './replies/reply-poll-summary';
import type { BatchJobData, BatchJobResult, CampaignJobData, CampaignJobResult, NoJobData, SettleJobData, SettleJobResult } from './types';
import type { WebhookJobData, WebhookJobResult } from './webhooks/events';

/**
 * The queues: `campaigns` holds one job per campaign, which splits it into batch jobs (and expires it at its
 * expireAt); `batches` holds one job per batch of up to 1000 recipients, the unit of sending, retrying and
 * horizontal scale; `delivery` and `replies` hold the pollers' runs, `settle` the settling of `unknown`
 * recipients, `webhooks` one job per webhook event.
 */
export const QUEUE_NAMES = {
  campaigns: 'campaigns',
  batches: 'batches',
  delivery: 'delivery',
  replies: 'replies',
  settle: 'settle',
  webhooks: 'webhooks',
} as const;
export const JOB_NAMES = {
  split: 'split',
  expire: 'expire',
  canary: 'canary',
  send: 'send',
  pollReports: 'poll-reports',
  pollReplies: 'poll-replies',
  settle: 'settle',
  webhook: 'webhook',
} as const;
/** The job scheduler that runs the reply (recordMo) poller every REPLY_POLL_INTERVAL_MS. */
export const REPLY_POLL_SCHEDULER_ID = 'poll-replies';
/** The job scheduler that runs the delivery-report poller every DLR_POLL_INTERVAL_MS. */
export const POLL_SCHEDULER_ID = 'poll-reports';

/**
 * Every job by name: the queue it goes to, the data it carries and what its processor returns. Queues, workers
 * and jobs all take their types from here (QueueOf, WorkerOf, JobOf), so a job's contract is written once.
 */
export interface JobTypes {
  [JOB_NAMES.split]: { queue: typeof QUEUE_NAMES.campaigns; data: CampaignJobData; result: CampaignJobResult };
  [JOB_NAMES.expire]: { queue: typeof QUEUE_NAMES.campaigns; data: CampaignJobData; result: CampaignJobResult };
  [JOB_NAMES.canary]: { queue: typeof QUEUE_NAMES.campaigns; data: CampaignJobData; result: CampaignJobResult };
  [JOB_NAMES.send]: { queue: typeof QUEUE_NAMES.batches; data: BatchJobData; result: BatchJobResult };
  [JOB_NAMES.pollReports]: { queue: typeof QUEUE_NAMES.delivery; data: NoJobData; result: PollSummary };
  [JOB_NAMES.pollReplies]: { queue: typeof QUEUE_NAMES.replies; data: NoJobData; result: ReplyPollSummary };
  [JOB_NAMES.settle]: { queue: typeof QUEUE_NAMES.settle; data: SettleJobData; result: SettleJobResult };
  [JOB_NAMES.webhook]: { queue: typeof QUEUE_NAMES.webhooks; data: WebhookJobData; result: WebhookJobResult };
}
export type JobName = keyof JobTypes;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];
/** The names of the jobs queue `Q` holds. */
export type JobNameIn<Q extends QueueName> = { [N in JobName]: JobTypes[N]['queue'] extends Q ? N : never }[JobName];
export type JobData<N extends JobName> = JobTypes[N]['data'];
export type JobResult<N extends JobName> = JobTypes[N]['result'];
/** The queue, worker and jobs of queue `Q`, typed by JobTypes. */
export type QueueOf<Q extends QueueName> = Queue<JobData<JobNameIn<Q>>, JobResult<JobNameIn<Q>>, JobNameIn<Q>>;
export type WorkerOf<Q extends QueueName> = Worker<JobData<JobNameIn<Q>>, JobResult<JobNameIn<Q>>, JobNameIn<Q>>;
export type JobOf<Q extends QueueName> = Job<JobData<JobNameIn<Q>>, JobResult<JobNameIn<Q>>, JobNameIn<Q>>;

export type CampaignQueue = QueueOf<'campaigns'>;
export type BatchQueue = QueueOf<'batches'>;
export type DeliveryQueue = QueueOf<'delivery'>;
export type RepliesQueue = QueueOf<'replies'>;
export type SettleQueue = QueueOf<'settle'>;
export type WebhookQueue = QueueOf<'webhooks'>;

export interface Queues {
  campaigns: CampaignQueue;
  batches: BatchQueue;
  /** The delivery-report poller's runs: one small job per DLR_POLL_INTERVAL_MS. */
  delivery: DeliveryQueue;
  /** The reply poller's runs: one small job per REPLY_POLL_INTERVAL_MS (a queue of its own, so it never waits behind report polls). */
  replies: RepliesQueue;
  /** Automatic settling of `unknown` recipients: one delayed job per campaign and resend round. */
  settle: SettleQueue;
  /** One job per webhook event, retried until delivered or WEBHOOK_RETRY_FOR has passed. */
  webhooks: WebhookQueue;
  close(): Promise<void>;
}

/**
 * Attempts of a settle job whose getSentRcd queries fail: with a 5 s exponential backoff, about 11 hours in all.
 * Past them the job fails; its recipients stay `unknown` for `smsq settle`.
 */
export const SETTLE_ATTEMPTS = 14;

/** Job options both sides agree on; workers read them back from the jobs, so producers set them. */
export function batchJobOptions(config: Config) {
  const keep = { age: config.resultRetentionSeconds };
  return {
    attempts: config.attempts,
    // Jitter spreads retries of batches that failed together, so they do not hit the gateway together again.
    backoff: { type: 'exponential' as const, delay: config.backoffMs, jitter: 0.5 },
    removeOnComplete: keep,
    removeOnFail: keep,
  };
}

/** The webhooks queue's back-off type: the worker's strategy reads the delay each failed attempt decided. */
export const WEBHOOK_BACKOFF = 'webhook';
export const WEBHOOK_MAX_ATTEMPTS = 100_000;

export function openQueues(config: Config, connection: RedisClient): Queues {
  const common = {
    connection,
    prefix: config.queuePrefix,
    // Every batch result is copied into the events stream; keep it short so results are not stored twice at scale.
    streams: { events: { maxLen: config.eventsMaxLen } },
  };
  const keep = { age: config.resultRetentionSeconds };
  const campaigns: CampaignQueue = new Queue(QUEUE_NAMES.campaigns, {
    ...common,
    defaultJobOptions: {
      attempts: 10,
      backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 },
      removeOnComplete: keep,
      removeOnFail: keep,
    },
  });
  const batches: BatchQueue = new Queue(QUEUE_NAMES.batches, { ...common, defaultJobOptions: batchJobOptions(config) });
  // A poller run that fails is simply followed by the next one: no retries, and only the last runs are kept.
  const delivery: DeliveryQueue = new Queue(QUEUE_NAMES.delivery, {
    ...common,
    defaultJobOptions: { attempts: 1, removeOnComplete: 50, removeOnFail: 50 },
  });
  const replies: RepliesQueue = new Queue(QUEUE_NAMES.replies, {
    ...common,
    defaultJobOptions: { attempts: 1, removeOnComplete: 50, removeOnFail: 50 },
  });
  // Many attempts with a long backoff: while the gateway's records cannot be read, settling waits for them.
  const settle: SettleQueue = new Queue(QUEUE_NAMES.settle, {
    ...common,
    defaultJobOptions: {
      attempts: SETTLE_ATTEMPTS,
      backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 },
      removeOnComplete: true,
      removeOnFail: keep,
    },
  });
  const webhooks: WebhookQueue = new Queue(QUEUE_NAMES.webhooks, {
    ...common,
    defaultJobOptions: {
      // Retries end by time (WEBHOOK_RETRY_FOR), decided by the delivering worker; the count is only a backstop.
      attempts: WEBHOOK_MAX_ATTEMPTS,
      backoff: { type: WEBHOOK_BACKOFF },
      // A delivered event's body is not kept; a failed one stays to be listed and re-sent, within bounds.
      removeOnComplete: true,
      removeOnFail: { age: config.resultRetentionSeconds, count: config.webhooks.maxQueued },
    },
  });
  return {
    campaigns,
    batches,
    delivery,
    replies,
    settle,
    webhooks,
    async close() {
      await Promise.all([campaigns.close(), batches.close(), delivery.close(), replies.close(), settle.close(), webhooks.close()]);
    },
  };
}
