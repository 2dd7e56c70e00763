/**
 * The configuration: read once from the environment, validated, frozen and passed down. One file per section;
 * `env.ts` reads and checks single variables. Every option names its variable and its default (`@defaultValue`),
 * and test/unit/config-docs.test.ts holds them to the README's configuration table.
 *
 * A leaf: nothing here imports from the rest of shared, so every module may import the configuration without a
 * cycle. The rules a variable is checked by live here (a webhook URL's, the opt-out keywords' normalisation);
 * ../load-config.ts turns the problems found into the CONFIG_INVALID error.
 */
import { readAccounts, type GatewayAccount } from './accounts';
import { readDeliveryConfig, readSettlingConfig, type DeliveryConfig, type SettlingConfig } from './delivery';
import { deepFreeze, EnvReader, type Env } from './env';
import { readGatewayConfig, type GatewayConfig } from './gateway';
import { readLinksConfig, type LinksConfig } from './links';
import { readOptOutConfig, type OptOutConfig } from './opt-out';
import { readProcessOptions, type ProcessOptions } from './process';
import { readRedisOptions, type RedisOptions } from './redis';
import { readRepliesConfig, type RepliesConfig } from './replies';
import { readSendingOptions, type SendingOptions } from './sending';
import { readServerConfig, type ServerConfig } from './server';
import { readTextsConfig, type TextsConfig } from './texts';
import { readWebhookConfig, type WebhookConfig } from './webhooks';

export { ACCOUNT_NAME, DEFAULT_ACCOUNT, parseAccounts, type GatewayAccount } from './accounts';
export type { DeliveryConfig, SettlingConfig } from './delivery';
export { parseDuration, redactUrl, type Env } from './env';
export { isLocalGateway, SIMULATOR_CREDENTIALS, type GatewayConfig, type SimulatorCredentials } from './gateway';
export type { LinksConfig } from './links';
export type { OptOutConfig } from './opt-out';
export type { ProcessOptions } from './process';
export type { DurabilityConfig, DurabilityMode, RedisOptions } from './redis';
export { DEFAULT_START_KEYWORDS, DEFAULT_STOP_KEYWORDS, normalizeReplyText, type RepliesConfig } from './replies';
export type { SendingOptions } from './sending';
export type { ServerConfig } from './server';
export type { TextsConfig } from './texts';
export { checkWebhookSecret, checkWebhookUrl, WEBHOOK_SECRET_PREFIX, type WebhookConfig } from './webhooks';

export interface Config extends RedisOptions, SendingOptions, ProcessOptions {
  /** The SMS gateway and its credentials (`SMS_API_*`). */
  gateway: GatewayConfig;
  /**
   * The gateway accounts (`SMS_ACCOUNTS` or `SMS_ACCOUNTS_FILE`, JSON), at least one; without them, one account named
   * `default` made of SMS_API_*. @defaultValue the `default` account
   */
  accounts: readonly GatewayAccount[];
  /** `smsq server`: the HTTP API, the console and /metrics. */
  server: ServerConfig;
  /** Delivery reports: the push receiver and the poller (`DLR_*`). */
  delivery: DeliveryConfig;
  /** Settling of `unknown` recipients, by hand and by the settle job (`SMS_AUTO_SETTLE`, `SMS_SETTLE_AFTER_MS`, `SMS_AUTO_RESEND`). */
  settling: SettlingConfig;
  /** Opt-outs: the suppression list check, contact history and the frequency cap. */
  optOut: OptOutConfig;
  /** Texts and what they cost: smart encoding and the prices a preview or a budget estimates with. */
  texts: TextsConfig;
  /** Replies (recordMo): the poller, the push receiver, storage and opt-out keywords (`REPLY_*`). */
  replies: RepliesConfig;
  /** Signed webhooks: where campaign events go and how their delivery is retried (`WEBHOOK_*`). */
  webhooks: WebhookConfig;
  /** Tracked links: `LINK_BASE_URL`. */
  links: LinksConfig;
}

export interface LoadConfigOptions {
  /** Workers need gateway credentials; producers and admin commands do not. @defaultValue false */
  requireGateway?: boolean;
}

/**
 * The configuration, frozen, with the old names of renamed variables it read (`deprecated`, one line each), or
 * every problem found (one line per bad variable); nothing is thrown.
 */
export type ConfigReading = { ok: true; config: Config; deprecated: string[] } | { ok: false; problems: string[] };

/**
 * Reads and validates the environment once (loadConfig, in ../load-config.ts, throws the problems as one
 * CONFIG_INVALID error). The result is frozen and passed down; nothing else reads process.env.
 */
export function readConfig(env: Env = process.env, opts: LoadConfigOptions = {}): ConfigReading {
  const r = new EnvReader(env);
  const redis = readRedisOptions(r);
  const gateway = readGatewayConfig(r, opts.requireGateway ?? false);
  const sending = readSendingOptions(r);
  const config: Config = {
    ...redis,
    ...sending,
    gateway,
    accounts: readAccounts(r, gateway),
    server: readServerConfig(r),
    ...readProcessOptions(r),
    delivery: readDeliveryConfig(r, redis.resultRetentionSeconds * 1000),
    settling: readSettlingConfig(r),
    optOut: readOptOutConfig(r, redis.resultRetentionSeconds),
    texts: readTextsConfig(r),
    replies: readRepliesConfig(r),
    webhooks: readWebhookConfig(r, sending.lockDurationMs),
    links: readLinksConfig(r),
  };
  checkAcrossSections(r, config);
  if (r.problems.length > 0) return { ok: false, problems: r.problems };
  return { ok: true, config: deepFreeze(config), deprecated: r.deprecated };
}

/** Rules that tie variables of two sections together. */
function checkAcrossSections(r: EnvReader, config: Config): void {
  if (config.gateway.responseTimeoutMs >= config.lockDurationMs) {
    // A call that outlives the job lock lets another worker take the batch while it is still in flight.
    r.problems.push(
      `SMS_RESPONSE_TIMEOUT_MS (${config.gateway.responseTimeoutMs}) must be below WORKER_LOCK_DURATION_MS (${config.lockDurationMs})`,
    );
  }
  if (config.delivery.expireAfterMs >= config.resultRetentionSeconds * 1000) {
    // Past retention the batch records are gone: a report could no longer be matched to its recipient.
    r.problems.push(
      `DLR_EXPIRE_AFTER_MS (${config.delivery.expireAfterMs}) must be below RESULT_RETENTION_SECONDS (${config.resultRetentionSeconds}) in ms`,
    );
  }
}
