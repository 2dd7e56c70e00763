import type { Redis } from 'ioredis';
import { BatchStore } from './batch-store';
import { CampaignStore } from './campaign-store';
import type { Config } from './config';
import { keys, Keys } from './keys';
import type { Logger } from './logger';
import { openQueues, Queues } from './queues';
import { closeRedis, ConnectionRole, createRedis } from './redis';

/** What both sides work with: one Redis connection, the queues, the stores, a logger. */
export interface Context {
  config: Config;
  redis: Redis;
  keys: Keys;
  queues: Queues;
  campaigns: CampaignStore;
  batches: BatchStore;
  log: Logger;
  close(): Promise<void>;
}

export function createContext(config: Config, log: Logger, role: ConnectionRole): Context {
  const redis = createRedis(config.redisUrl, role);
  const k = keys(config.queuePrefix);
  const queues = openQueues(config, redis);
  return {
    config,
    redis,
    keys: k,
    queues,
    campaigns: new CampaignStore(redis, k),
    batches: new BatchStore(redis, k, config.resultRetentionSeconds),
    log,
    async close() {
      await Promise.race([queues.close(), new Promise((r) => setTimeout(r, 5_000).unref())]);
      await closeRedis(redis);
    },
  };
}
