import type { RedisClient } from './redis';
import { BatchStore } from './batch-store';
import { CampaignStore } from './campaign-store';
import type { Config } from './config';
import { keys, Keys } from './keys';
import type { Logger } from './logger';
import { openQueues, Queues } from './queues';
import { DeliveryStore } from './delivery/delivery-store';
import { WebhookEmitter } from './webhooks/emitter';
import { closeRedis, ConnectionRole, createRedis, ensureRedis } from './redis';

/** What both sides work with: one Redis connection, the queues, the stores, a logger. */
export interface Context {
  config: Config;
  redis: RedisClient;
  keys: Keys;
  queues: Queues;
  campaigns: CampaignStore;
  batches: BatchStore;
  delivery: DeliveryStore;
  /** Creates webhook events (nothing when no URL applies). */
  webhooks: WebhookEmitter;
  log: Logger;
  close(): Promise<void>;
}

/** Connects first, so that an unreachable Redis is one clear REDIS_UNAVAILABLE error, not a stream of them. */
export async function createContext(config: Config, log: Logger, role: ConnectionRole): Promise<Context> {
  const redis = createRedis(config, role);
  try {
    await ensureRedis(redis, config.redisUrl);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  const k = keys(config.queuePrefix);
  const queues = openQueues(config, redis);
  for (const q of [queues.campaigns, queues.batches, queues.delivery, queues.webhooks]) q.on('error', (err) => log.warn({ err, queue: q.name }, 'queue error'));
  const webhooks = new WebhookEmitter(queues.webhooks, redis, k, config.webhooks, log);
  return {
    config,
    redis,
    keys: k,
    queues,
    campaigns: new CampaignStore(redis, k),
    batches: new BatchStore(redis, k, config.resultRetentionSeconds),
    delivery: new DeliveryStore(redis, k, config, log, webhooks),
    webhooks,
    log,
    async close() {
      await Promise.race([queues.close(), new Promise((r) => setTimeout(r, 5_000).unref())]);
      await closeRedis(redis);
    },
  };
}
