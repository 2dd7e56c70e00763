import type { RedisClient } from './redis/connection';
import { systemClock, type Clock } from './time/clock';
import { AccountStates } from './accounts/account-state';
import { Router } from './accounts/routing';
import { BatchStore } from './batch/store';
import { CampaignGate } from './campaign/gate';
import { CampaignStore } from './campaign/store';
import { CampaignIndex } from './campaign/list';
import type { Config } from './config';
import { keys, type Keys } from './redis/keys';
import type { Logger } from './logger';
import { openQueues, type Queues } from './queues';
import { DeliveryStore } from './delivery/delivery-store';
import { SuppressionStore } from './opt-out/suppression-store';
import { ReplyStore } from './replies/reply-store';
import { WebhookEmitter } from './webhooks/emitter';
import { OwnerWebhooks } from './webhooks/owner-webhook';
import { KeyStore } from './tenants/key-store';
import { AuditLog } from './audit/audit-log';
import { TenantSettingsStore } from './tenants/tenant-settings';
import { LinkStore } from './links/link-store';
import { closeRedis, type ConnectionRole, createRedis, describeRedis, ensureRedis } from './redis/connection';

/** What both sides work with: one Redis connection, the queues, the stores, a logger. */
export interface Context {
  config: Config;
  redis: RedisClient;
  keys: Keys;
  queues: Queues;
  campaigns: CampaignStore;
  /** Every campaign by creation time, for listing them. */
  campaignIndex: CampaignIndex;
  batches: BatchStore;
  /** What a batch passes before it sends: its campaign's pause and rate caps. */
  gate: CampaignGate;
  delivery: DeliveryStore;
  /** The account's suppression list (numbers never to send to). */
  suppressions: SuppressionStore;
  /** Replies received (recordMo polls and pushes), with their opt-out keywords applied. */
  replies: ReplyStore;
  /** Which gateway accounts may send to a recipient, in the order they are tried. */
  router: Router;
  /** Each gateway account's stop and circuit breaker, shared by all workers. */
  accountStates: AccountStates;
  /** Creates webhook events (nothing when no URL applies). */
  webhooks: WebhookEmitter;
  /** API keys: their hashed records, checks and revocation. */
  apiKeys: KeyStore;
  /** Each tenant's limits and webhook. */
  tenants: TenantSettingsStore;
  /** Who changed what, and when. */
  audit: AuditLog;
  /** Tracked links: their codes, and the clicks on them. */
  links: LinkStore;
  log: Logger;
  /** The time schedules, windows and validity are judged by (see time/clock.ts). */
  clock: Clock;
  close(): Promise<void>;
}

export interface ContextOptions {
  /** Default: the system clock. Tests move it to another moment. */
  clock?: Clock;
}

/** Connects first, so that an unreachable Redis is one clear REDIS_UNAVAILABLE error, not a stream of them. */
export async function createContext(config: Config, log: Logger, role: ConnectionRole, opts: ContextOptions = {}): Promise<Context> {
  const redis = createRedis(config, role);
  try {
    await ensureRedis(redis, describeRedis(config));
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  // WAIT blocks its connection until acknowledged: in-flight records get their own, so BullMQ's lock renewals
  // and other batches' writes on the shared one never queue behind it.
  const callRedis = config.durability.mode === 'none' ? redis : createRedis(config, role);
  const k = keys(config.queuePrefix);
  const queues = openQueues(config, redis);
  for (const q of [queues.campaigns, queues.batches, queues.delivery, queues.replies, queues.settle, queues.webhooks])
    q.on('error', (err) => log.warn({ err, queue: q.name }, 'queue error'));
  const clock = opts.clock ?? systemClock;
  const campaigns = new CampaignStore(redis, k, clock, log);
  const tenants = new TenantSettingsStore(redis, k);
  const owners = new OwnerWebhooks(config.webhooks, tenants, redis, k);
  const webhooks = new WebhookEmitter(queues.webhooks, redis, k, config.webhooks, log, owners);
  const audit = new AuditLog(redis, k, clock, config.resultRetentionSeconds, log);
  return {
    config,
    redis,
    keys: k,
    queues,
    campaigns,
    campaignIndex: new CampaignIndex(redis, k, config.resultRetentionSeconds),
    batches: new BatchStore(redis, k, config.resultRetentionSeconds, config.durability, callRedis),
    gate: new CampaignGate(redis, k),
    delivery: new DeliveryStore(redis, k, config, log, campaigns, webhooks, audit),
    webhooks,
    router: new Router(config.accounts),
    accountStates: new AccountStates(redis, k, config.accounts, { failures: config.breakerFailures, openMs: config.breakerOpenMs }),
    suppressions: new SuppressionStore(redis, k),
    apiKeys: new KeyStore(redis, k, clock),
    tenants,
    audit,
    links: new LinkStore(redis, k, config.resultRetentionSeconds * 1000, config.webhooks.maxQueued),
    replies: new ReplyStore(redis, k, config.replies, Date.now, config.optOut.suppressionScope === 'tenant'),
    log,
    clock,
    async close() {
      await Promise.race([queues.close(), new Promise((r) => setTimeout(r, 5_000).unref())]);
      if (callRedis !== redis) await closeRedis(callRedis);
      await closeRedis(redis);
    },
  };
}
