import { Queue } from 'bullmq';
import type { RedisClient } from './redis';
import type { Config } from './config';
import type { BatchJobData, BatchJobResult, CampaignJobData, CampaignJobResult } from './types';

/**
 * Two queues: `campaigns` holds one job per campaign, which splits it into batch jobs; `batches` holds one job
 * per batch of up to 1000 recipients, the unit of sending, retrying and horizontal scale.
 */
export const QUEUE_NAMES = { campaigns: 'campaigns', batches: 'batches' } as const;
export const JOB_NAMES = { split: 'split', send: 'send' } as const;

export type CampaignQueue = Queue<CampaignJobData, CampaignJobResult, typeof JOB_NAMES.split>;
export type BatchQueue = Queue<BatchJobData, BatchJobResult, typeof JOB_NAMES.send>;

export interface Queues {
  campaigns: CampaignQueue;
  batches: BatchQueue;
  close(): Promise<void>;
}

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
    defaultJobOptions: { attempts: 10, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 }, removeOnComplete: keep, removeOnFail: keep },
  });
  const batches: BatchQueue = new Queue(QUEUE_NAMES.batches, { ...common, defaultJobOptions: batchJobOptions(config) });
  return {
    campaigns,
    batches,
    async close() {
      await Promise.all([campaigns.close(), batches.close()]);
    },
  };
}
