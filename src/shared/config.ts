import { isIP } from 'node:net';
import type { SendChecks } from './batch-store';
import { SmsqError } from './errors';
import { normalizeReplyText } from './replies/keywords';
import { checkWebhookSecret } from './webhooks/signature';
import { checkWebhookUrl } from './webhooks/target-url';

/** Credentials the simulator accepts by default (see src/simulator). They are not secrets. */
export const SIMULATOR_CREDENTIALS = Object.freeze({ apiKey: 'sim-key', apiSecret: 'sim-secret', appId: 'sim-app' });

export interface Config {
  redisUrl: string;
  /**
   * Redis Cluster seed nodes (REDIS_CLUSTER_NODES=host:port,...); the credentials and TLS of REDIS_URL apply to
   * every node. Undefined: a single Redis at REDIS_URL.
   */
  redisClusterNodes?: ReadonlyArray<{ host: string; port: number }>;
  /** Queue prefix; wrap it in braces (`{smsq}`) on Redis Cluster. */
  queuePrefix: string;
  gateway: {
    baseUrl: string;
    apiKey: string;
    apiSecret: string;
    appId: string;
    /** Default senderId for campaigns that give none. */
    senderId?: string;
    connectTimeoutMs: number;
    responseTimeoutMs: number;
  };
  /** Recipients per gateway call, at most 1000. */
  batchSize: number;
  /** Batches one worker process sends at once. */
  concurrency: number;
  /** Attempts per batch for transient failures (-18, 5xx, 429, connection refused). */
  attempts: number;
  backoffMs: number;
  /** Gateway calls per second across all workers; 0 means no limit. */
  rateLimitPerSecond: number;
  /**
   * Batch jobs each campaign keeps waiting in its lane (SMS_RELEASE_AHEAD): a campaign queued later waits behind
   * about this many batches of each active campaign of its priority. Each batch that starts releases one more.
   * @defaultValue 4
   */
  releaseAhead: number;
  /** Calls per second per senderId (SMS_SENDER_RATE_LIMITS=SHOP:5,ALERTS:50), shared by all workers. @defaultValue {} */
  senderRateLimits: Readonly<Record<string, number>>;
  /** Resend when a call's outcome is unknowable (timeout after sending, reset, garbage 200). */
  retryUnknown: boolean;
  /** Extra calls one batch may spend isolating numbers refused with -9. */
  splitMaxCalls: number;
  resultRetentionSeconds: number;
  /** Approximate length of BullMQ's events stream, which copies every batch result. */
  eventsMaxLen: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  shutdownGraceMs: number;
  logLevel: string;
  /** `smsq server`: the HTTP API, the dashboard and /metrics. */
  server: ServerConfig;
  /** Port on which `smsq worker` serves /metrics and /healthz; undefined: none. 0 picks a free port. */
  metricsPort?: number;
  /** Delivery reports: the push receiver, the poller and reconcile. */
  delivery: DeliveryConfig;
  /** Opt-outs: the suppression list, contact history, the frequency cap and replies. */
  optOut: OptOutConfig;
  /** Texts and what they cost: smart encoding and the prices a preview or a budget estimates with. */
  texts: TextsConfig;
  /** Replies (recordMo): the poller, the push receiver, storage and opt-out keywords. */
  replies: RepliesConfig;
  /** Automatic settling of `unknown` recipients (the settle job). */
  settling: SettlingConfig;
  /** What a call's in-flight record must reach before the call is made (REDIS_DURABILITY). */
  durability: DurabilityConfig;
  /**
   * Redis Sentinel (REDIS_SENTINELS=host:port,... and REDIS_SENTINEL_NAME): workers and producers ask the
   * sentinels for the current primary and follow a failover. REDIS_URL's credentials and TLS (rediss:) apply to
   * the primary (its host and port are not used), its TLS to the sentinels too, whose own password is
   * REDIS_SENTINEL_PASSWORD. Undefined: no sentinel.
   */
  redisSentinel?: { nodes: ReadonlyArray<{ host: string; port: number }>; name: string; password?: string };
  /** Signed webhooks: where campaign events go and how their delivery is retried. */
  webhooks: WebhookConfig;
}

export interface RepliesConfig {
  /** Secret path segment of POST /v1/replies/:token (REPLY_TOKEN); without it the receiver refuses every push. */
  token?: string;
  /** Addresses or CIDR ranges allowed to push replies (REPLY_ALLOWED_IPS); empty: any. */
  allowedIps: string[];
  /** How often the recordMo poller runs (REPLY_POLL_INTERVAL_MS); 0 turns it off. @defaultValue 60000 */
  pollIntervalMs: number;
  /** How far back the poller's first run looks (REPLY_POLL_LOOKBACK_MS). @defaultValue 86400000 (24 h) */
  pollLookbackMs: number;
  /** Each run reads again this much before where the last one ended, for replies the gateway recorded late. @defaultValue 300000 */
  pollOverlapMs: number;
  /** recordMo calls per second (REPLY_POLL_RATE_PER_SECOND). @defaultValue 1 */
  pollRatePerSecond: number;
  /** recordMo calls (pages of 100) one run makes at most; the next run goes on where it stopped. @defaultValue 100 */
  pollMaxCalls: number;
  /** Replies kept in the stream, approximately (REPLIES_MAX_KEPT); older ones are trimmed. @defaultValue 1000000 */
  maxKept: number;
  /** How long a reply is remembered to drop a second copy of it (the lookback and a day). */
  dedupSeconds: number;
  /** Whole-reply keywords that add the number to the suppression list (REPLY_STOP_KEYWORDS), normalised. */
  stopKeywords: ReadonlyArray<string>;
  /** Whole-reply keywords that take a `stop-reply` entry off the list (REPLY_START_KEYWORDS), normalised. */
  startKeywords: ReadonlyArray<string>;
}

export interface OptOutConfig {
  /** Check the suppression list at the start of every call (SMS_SUPPRESSION_CHECK). @defaultValue true */
  suppressionCheck: boolean;
  /**
   * Remember per number the last campaign that sent to it (replies are attributed with it) and, with a frequency
   * cap, its send times (SMS_CONTACT_HISTORY). It costs Redis three commands per recipient sent to, so it is on only
   * when asked for, or when SMS_FREQUENCY_CAP needs it. @defaultValue true with SMS_FREQUENCY_CAP, else false
   */
  contactHistory: boolean;
  /** Messages per number per rolling period across campaigns (SMS_FREQUENCY_CAP=3/24h); undefined: no cap. @defaultValue undefined */
  frequencyCap?: { count: number; periodSeconds: number };
  /** How long a number's contact history is kept after its last send: the cap's period or the retention, the longer. */
  contactTtlSeconds: number;
}

export interface TextsConfig {
  /** Replace look-alike characters (curly quotes, long dashes, odd spaces…) with GSM-7 ones when queueing. */
  smartEncoding: boolean;
  /** SMS_PRICE_PER_SEGMENT in millionths, with SMS_PRICE_CURRENCY; undefined when not set. */
  pricePerSegment?: { micros: number; currency: string };
  /** SMS_PRICES_FILE: CSV `country,price,currency`, read when an estimate is made. */
  pricesFile?: string;
}

export interface SettlingConfig {
  /**
   * SMS_AUTO_RECONCILE: a batch that ends with `unknown` recipients schedules a settle job RECONCILE_SETTLE_MS
   * later, which does what `smsq reconcile` does; a campaign stays `running` until none is left. Off: campaigns
   * complete with `unknown` recipients, left to `smsq reconcile`. @defaultValue true
   */
  autoReconcile: boolean;
  /** SMS_AUTO_RESEND: the settle job queues the `not-sent` recipients again (once per round). @defaultValue true */
  autoResend: boolean;
}

/**
 * - `none`: the in-flight record is written to the primary only (asynchronous replication).
 * - `replica`: `WAIT 1 <timeout>`: a replica has it before the call is made.
 * - `aof`: `WAITAOF 1 0 <timeout>`: the primary's AOF has it fsynced (Redis 7.2+).
 */
export type DurabilityMode = 'none' | 'replica' | 'aof';

export interface DurabilityConfig {
  /** @defaultValue 'none' */
  mode: DurabilityMode;
  /** REDIS_DURABILITY_TIMEOUT_MS: how long a call waits for the acknowledgement before the batch goes back unsent. @defaultValue 1000 */
  timeoutMs: number;
}

export interface WebhookConfig {
  /** Where every campaign's events go unless the campaign gives its own callbackUrl; undefined: none. */
  url?: string;
  /** The Standard Webhooks signing secret, `whsec_` + base64 of 24-64 random bytes. */
  secret?: string;
  /** Attempts are retried, with exponential back-off and jitter, until this long after the first one. */
  retryForMs: number;
  /** First retry delay; doubles each attempt (±50% jitter) up to backoffMaxMs. */
  backoffMs: number;
  /** The longest delay between two attempts. */
  backoffMaxMs: number;
  /** Whole-request timeout of one delivery attempt. */
  timeoutMs: number;
  /** Events delivered at once by one worker process. */
  concurrency: number;
  /** Events waiting for delivery beyond which new ones are dropped (a dead receiver costs bounded Redis). */
  maxQueued: number;
}

export interface DeliveryConfig {
  /**
   * Index msgIds and poll for reports (default). Off: batches skip the index (about 10% of a worker's CPU and
   * 80 bytes of Redis per message), no poller runs, and the receiver refuses pushes.
   */
  tracking: boolean;
  /** Secret path segment of POST /v1/delivery-reports/:token; without it the receiver refuses every push. */
  token?: string;
  /** Addresses or CIDR ranges allowed to push reports; empty: any. */
  allowedIps: string[];
  /** How often the poller runs (a BullMQ job scheduler); 0 turns it off. */
  pollIntervalMs: number;
  /** A sent message without a report is first asked about this long after it was sent, then again as often. */
  pollAfterMs: number;
  /** getReport calls per second, across the poller's calls. */
  pollRatePerSecond: number;
  /** getReport calls one poller run makes at most (200 msgIds each). */
  pollMaxCalls: number;
  /** A message with no report this long after it was sent is `expired`, and no longer asked about. */
  expireAfterMs: number;
  /** A report whose msgId is not (yet) indexed is kept this long, in case its send's result is recorded later. */
  holdMs: number;
  /** How long the gateway may take to record a submission; reconcile calls nothing `not-sent` younger than this. */
  reconcileSettleMs: number;
}

export interface ServerConfig {
  /** 0 picks a free port. */
  port: number;
  /** Address to listen on when the dashboard has credentials; without them the server stays on 127.0.0.1. */
  host: string;
  /** Bearer token of the /v1 API; without it every /v1 call is refused. */
  apiToken?: string;
  /** Basic-auth credentials of the dashboard: both or neither. */
  dashboard?: { user: string; password: string };
  /** bull-board without retry/remove/clean/pause buttons. */
  dashboardReadOnly: boolean;
  /** Largest JSON body of POST /v1/campaigns, in bytes. */
  jsonBodyLimit: number;
  /** Largest streamed (NDJSON or CSV) body of POST /v1/campaigns, in bytes, counted while it streams. */
  streamBodyLimit: number;
}

type Env = Record<string, string | undefined>;

/** Reads one variable; collects a message instead of throwing so that every bad variable is named at once. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  str(name: string, fallback?: string): string {
    const v = this.env[name];
    return v === undefined || v === '' ? (fallback ?? '') : v;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name}=${raw} is not a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (/^(1|true|yes)$/i.test(raw)) return true;
    if (/^(0|false|no)$/i.test(raw)) return false;
    this.problems.push(`${name}=${raw} is not true or false`);
    return fallback;
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const raw = this.str(name, fallback);
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
    } catch {
      this.problems.push(`${name}=${redactUrl(raw)} is not a ${protocols.join(' or ')} URL`);
    }
    return raw.replace(/\/+$/, '');
  }
}

/** Hides the password of a URL such as redis://:secret@host before it reaches a message. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/([^/@]*)@/, (_m, auth: string) => `//${auth.includes(':') ? auth.split(':')[0] + ':***' : '***'}@`);
}

/** True when the gateway base URL points at this machine, i.e. at the bundled simulator. */
export function isLocalGateway(baseUrl: string): boolean {
  try {
    const host = new URL(baseUrl).hostname;
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

export interface LoadConfigOptions {
  /** Workers need gateway credentials; producers and admin commands do not. */
  requireGateway?: boolean;
}

/**
 * Reads and validates the environment once. Throws a CONFIG_INVALID error that names every bad variable.
 * The result is frozen and passed down; nothing else reads process.env.
 */
export function loadConfig(env: Env = process.env, opts: LoadConfigOptions = {}): Config {
  const r = new EnvReader(env);
  const baseUrl = r.url('SMS_API_BASE_URL', 'https://api.itniotech.com/sms', ['http:', 'https:']);
  const local = isLocalGateway(baseUrl);
  const credential = (name: string, simDefault: string): string => {
    const v = r.str(name);
    if (v) return v;
    if (local) return simDefault;
    if (opts.requireGateway) {
      r.problems.push(`${name} is missing: set it, or point SMS_API_BASE_URL at the simulator (smsq simulator)`);
    }
    return '';
  };
  const senderId = r.str('SMS_SENDER_ID') || undefined;
  if (senderId !== undefined && [...senderId].length > 32) r.problems.push('SMS_SENDER_ID is longer than 32 characters');
  const queuePrefix = r.str('QUEUE_PREFIX', 'smsq');
  if (!/^[A-Za-z0-9_{}.-]{1,64}$/.test(queuePrefix)) {
    r.problems.push(`QUEUE_PREFIX=${queuePrefix} may hold only letters, digits, _ . - { } (1-64 characters)`);
  }
  const redisClusterNodes = readHostPorts(r, 'REDIS_CLUSTER_NODES');
  if (redisClusterNodes && !/\{[^}]+\}/.test(queuePrefix)) {
    // Without a hash tag BullMQ's keys spread over slots, and its multi-key scripts fail on a cluster.
    r.problems.push(`QUEUE_PREFIX=${queuePrefix} needs a hash tag on Redis Cluster, e.g. {${queuePrefix.replace(/[{}]/g, '')}}`);
  }
  const lockDurationMs = r.int('WORKER_LOCK_DURATION_MS', 30_000, 1_000, 600_000);
  const responseTimeoutMs = r.int('SMS_RESPONSE_TIMEOUT_MS', 20_000, 100, 300_000);
  if (responseTimeoutMs >= lockDurationMs) {
    // A call that outlives the job lock lets another worker take the batch while it is still in flight.
    r.problems.push(`SMS_RESPONSE_TIMEOUT_MS (${responseTimeoutMs}) must be below WORKER_LOCK_DURATION_MS (${lockDurationMs})`);
  }
  const retentionSeconds = r.int('RESULT_RETENTION_SECONDS', 7 * 24 * 3600, 60, 366 * 24 * 3600);
  const config: Config = {
    redisUrl: r.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    redisClusterNodes,
    queuePrefix,
    gateway: {
      baseUrl,
      apiKey: credential('SMS_API_KEY', SIMULATOR_CREDENTIALS.apiKey),
      apiSecret: credential('SMS_API_SECRET', SIMULATOR_CREDENTIALS.apiSecret),
      appId: credential('SMS_APP_ID', SIMULATOR_CREDENTIALS.appId),
      senderId,
      connectTimeoutMs: r.int('SMS_CONNECT_TIMEOUT_MS', 5_000, 50, 60_000),
      responseTimeoutMs,
    },
    batchSize: r.int('SMS_BATCH_SIZE', 1000, 1, 1000),
    concurrency: r.int('WORKER_CONCURRENCY', 8, 1, 256),
    attempts: r.int('SMS_ATTEMPTS', 6, 1, 100),
    backoffMs: r.int('SMS_BACKOFF_MS', 1_000, 1, 600_000),
    rateLimitPerSecond: r.int('SMS_RATE_LIMIT_PER_SECOND', 0, 0, 100_000),
    releaseAhead: r.int('SMS_RELEASE_AHEAD', 4, 1, 1_000),
    senderRateLimits: readSenderRateLimits(r),
    retryUnknown: r.bool('SMS_RETRY_UNKNOWN', false),
    splitMaxCalls: r.int('SMS_SPLIT_MAX_CALLS', 64, 0, 2_000),
    resultRetentionSeconds: retentionSeconds,
    eventsMaxLen: r.int('EVENTS_MAX_LEN', 1_000, 10, 1_000_000),
    lockDurationMs,
    stalledIntervalMs: r.int('WORKER_STALLED_INTERVAL_MS', 30_000, 1_000, 600_000),
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 30_000, 1_000, 600_000),
    logLevel: r.str('LOG_LEVEL', 'info'),
    server: readServerConfig(r),
    metricsPort: r.str('METRICS_PORT') ? r.int('METRICS_PORT', 0, 0, 65_535) : undefined,
    delivery: readDeliveryConfig(r, env.DLR_EXPIRE_AFTER_MS ? undefined : retentionSeconds * 1000),
    optOut: readOptOutConfig(r, retentionSeconds),
    texts: readTextsConfig(r),
    replies: readRepliesConfig(r),
    settling: { autoReconcile: r.bool('SMS_AUTO_RECONCILE', true), autoResend: r.bool('SMS_AUTO_RESEND', true) },
    durability: readDurability(r, redisClusterNodes !== undefined),
    redisSentinel: readSentinel(r, redisClusterNodes !== undefined),
    webhooks: readWebhookConfig(r, lockDurationMs),
  };
  if (config.delivery.expireAfterMs >= config.resultRetentionSeconds * 1000) {
    // Past retention the batch records are gone: a report could no longer be matched to its recipient.
    r.problems.push(`DLR_EXPIRE_AFTER_MS (${config.delivery.expireAfterMs}) must be below RESULT_RETENTION_SECONDS (${config.resultRetentionSeconds}) in ms`);
  }
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    r.problems.push(`LOG_LEVEL=${config.logLevel} is not one of fatal, error, warn, info, debug, trace, silent`);
  }
  if (r.problems.length > 0) {
    throw new SmsqError('CONFIG_INVALID', `Configuration is invalid:\n  - ${r.problems.join('\n  - ')}`, {
      problems: r.problems,
    });
  }
  return deepFreeze(config);
}

/** `host:port,host:port` (IPv6 in brackets); undefined when empty. */
function readHostPorts(r: EnvReader, name: string): Array<{ host: string; port: number }> | undefined {
  const raw = r.str(name);
  if (!raw) return undefined;
  const nodes = raw.split(',').map((n) => n.trim()).filter(Boolean).map((n) => {
    const m = /^(.+):(\d{1,5})$/.exec(n);
    if (!m) r.problems.push(`${name} entry "${n}" is not host:port`);
    return { host: m?.[1].replace(/^\[|\]$/g, '') ?? '', port: Number(m?.[2] ?? 0) };
  });
  return nodes.length > 0 ? nodes : undefined;
}

const PERIOD_UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

function readOptOutConfig(r: EnvReader, retentionSeconds: number): OptOutConfig {
  const raw = r.str('SMS_FREQUENCY_CAP');
  const contactHistory = r.bool('SMS_CONTACT_HISTORY', raw !== '');
  let frequencyCap: OptOutConfig['frequencyCap'];
  if (raw) {
    const m = /^(\d{1,3})\/(\d{1,6})(s|m|h|d)$/.exec(raw);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) r.problems.push(`SMS_FREQUENCY_CAP=${raw} is not messages/period such as 3/24h (units s, m, h, d)`);
    else if (!contactHistory) r.problems.push('SMS_FREQUENCY_CAP needs SMS_CONTACT_HISTORY=true: the cap counts sends in the contact history');
    else frequencyCap = { count: Number(m[1]), periodSeconds: Number(m[2]) * PERIOD_UNITS[m[3]] };
  }
  return {
    suppressionCheck: r.bool('SMS_SUPPRESSION_CHECK', true),
    contactHistory,
    frequencyCap,
    contactTtlSeconds: Math.max(frequencyCap?.periodSeconds ?? 0, retentionSeconds),
  };
}

/** What the start of each call checks and records (BEGIN_CALL), from the configuration. */
export function sendChecks(config: Config): SendChecks {
  const o = config.optOut;
  return {
    suppression: o.suppressionCheck,
    contacts: o.contactHistory,
    capCount: o.frequencyCap?.count ?? 0,
    capPeriodSeconds: o.frequencyCap?.periodSeconds ?? 0,
    contactTtlSeconds: o.contactTtlSeconds,
  };
}

function readSentinel(r: EnvReader, cluster: boolean): Config['redisSentinel'] {
  const nodes = readHostPorts(r, 'REDIS_SENTINELS');
  const name = r.str('REDIS_SENTINEL_NAME');
  if (!nodes) {
    if (name) r.problems.push('REDIS_SENTINEL_NAME is set without REDIS_SENTINELS (host:port,... of the sentinels)');
    return undefined;
  }
  if (!name) r.problems.push('REDIS_SENTINELS needs REDIS_SENTINEL_NAME, the name the sentinels monitor the primary under (e.g. mymaster)');
  if (cluster) r.problems.push('REDIS_SENTINELS and REDIS_CLUSTER_NODES cannot both be set: a Redis Cluster fails over by itself');
  return { nodes, name, password: r.str('REDIS_SENTINEL_PASSWORD') || undefined };
}

function readDurability(r: EnvReader, cluster: boolean): DurabilityConfig {
  const raw = r.str('REDIS_DURABILITY', 'none');
  const modes: DurabilityMode[] = ['none', 'replica', 'aof'];
  const mode = (modes as string[]).includes(raw) ? (raw as DurabilityMode) : 'none';
  if (mode !== raw) r.problems.push(`REDIS_DURABILITY=${raw} is not one of none, replica, aof`);
  // ioredis sends a keyless WAIT to any node of a cluster, not to the primary that took the write.
  if (cluster && mode !== 'none') r.problems.push(`REDIS_DURABILITY=${mode} is not supported on Redis Cluster; use none, or a primary with replicas behind REDIS_SENTINELS`);
  return { mode, timeoutMs: r.int('REDIS_DURABILITY_TIMEOUT_MS', 1_000, 10, 60_000) };
}

/** `SHOP:5,ALERTS:50`: calls per second per senderId. */
function readSenderRateLimits(r: EnvReader): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const entry of r.str('SMS_SENDER_RATE_LIMITS').split(',').map((e) => e.trim()).filter(Boolean)) {
    const m = /^(.+):(\d+(?:\.\d+)?)$/.exec(entry);
    if (!m || Number(m[2]) <= 0) r.problems.push(`SMS_SENDER_RATE_LIMITS entry "${entry}" is not senderId:callsPerSecond (e.g. SHOP:5)`);
    else limits[m[1]] = Number(m[2]);
  }
  return limits;
}

/** A token or password shorter than this is refused: these guard a public address. */
const MIN_SECRET_LENGTH = 16;

function readServerConfig(r: EnvReader): ServerConfig {
  const apiToken = r.str('API_TOKEN') || undefined;
  if (apiToken !== undefined && apiToken.length < MIN_SECRET_LENGTH) {
    r.problems.push(`API_TOKEN is shorter than ${MIN_SECRET_LENGTH} characters: use a random one (openssl rand -hex 24)`);
  }
  const user = r.str('DASHBOARD_USER');
  const password = r.str('DASHBOARD_PASSWORD');
  if (Boolean(user) !== Boolean(password)) r.problems.push('DASHBOARD_USER and DASHBOARD_PASSWORD must be set together');
  if (user.includes(':')) r.problems.push('DASHBOARD_USER must not contain ":" (HTTP basic auth cannot carry it)');
  if (password && password.length < MIN_SECRET_LENGTH) {
    r.problems.push(`DASHBOARD_PASSWORD is shorter than ${MIN_SECRET_LENGTH} characters: use a random one (openssl rand -hex 24)`);
  }
  return {
    port: r.int('SERVER_PORT', 3000, 0, 65_535),
    host: r.str('SERVER_HOST', '0.0.0.0'),
    apiToken,
    dashboard: user && password ? { user, password } : undefined,
    dashboardReadOnly: r.bool('DASHBOARD_READ_ONLY', false),
    jsonBodyLimit: r.int('API_JSON_BODY_LIMIT', 10 * 1024 * 1024, 1_024, 1024 * 1024 * 1024),
    streamBodyLimit: r.int('API_STREAM_BODY_LIMIT', 1024 * 1024 * 1024, 1_024, 64 * 1024 * 1024 * 1024),
  };
}

const HOUR_MS = 3_600_000;

/** `retentionMs`, when DLR_EXPIRE_AFTER_MS is not set: its default then stays within a short retention. */
/** A secret carried in a push URL's path (DLR_TOKEN, REPLY_TOKEN). */
function readPathToken(r: EnvReader, name: string): string | undefined {
  const token = r.str(name) || undefined;
  if (token !== undefined && !/^[A-Za-z0-9_-]{16,256}$/.test(token)) {
    // It travels in a URL path the vendor's staff type in: letters, digits, - and _ only.
    r.problems.push(`${name} must be 16 to 256 letters, digits, - or _ (e.g. openssl rand -hex 24)`);
  }
  return token;
}

/** Addresses and CIDR ranges allowed to push (DLR_ALLOWED_IPS, REPLY_ALLOWED_IPS). */
function readAllowedIps(r: EnvReader, name: string): string[] {
  const allowedIps = r.str(name).split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of allowedIps) if (!isIpOrCidr(entry)) r.problems.push(`${name} entry "${entry}" is not an IP address or CIDR range`);
  return allowedIps;
}

function readDeliveryConfig(r: EnvReader, retentionMs?: number): DeliveryConfig {
  const token = readPathToken(r, 'DLR_TOKEN');
  const allowedIps = readAllowedIps(r, 'DLR_ALLOWED_IPS');
  return {
    tracking: r.bool('DLR_TRACKING', true),
    token,
    allowedIps,
    pollIntervalMs: r.int('DLR_POLL_INTERVAL_MS', 60_000, 0, 24 * HOUR_MS),
    pollAfterMs: r.int('DLR_POLL_AFTER_MS', 10 * 60_000, 0, 30 * 24 * HOUR_MS),
    pollRatePerSecond: r.int('DLR_POLL_RATE_PER_SECOND', 2, 1, 1_000),
    pollMaxCalls: r.int('DLR_POLL_MAX_CALLS', 50, 1, 100_000),
    expireAfterMs: r.int('DLR_EXPIRE_AFTER_MS', Math.min(72 * HOUR_MS, Math.floor((retentionMs ?? Infinity) * 0.9)), 1_000, 365 * 24 * HOUR_MS),
    holdMs: r.int('DLR_HOLD_MS', 24 * HOUR_MS, 1_000, 30 * 24 * HOUR_MS),
    reconcileSettleMs: r.int('RECONCILE_SETTLE_MS', 5 * 60_000, 0, 24 * HOUR_MS),
  };
}

function readTextsConfig(r: EnvReader): TextsConfig {
  const rawPrice = r.str('SMS_PRICE_PER_SEGMENT');
  const currency = r.str('SMS_PRICE_CURRENCY', 'USD').toUpperCase();
  if (!/^[A-Z]{1,8}$/.test(currency)) r.problems.push(`SMS_PRICE_CURRENCY=${currency} is not a currency code such as USD`);
  let pricePerSegment: TextsConfig['pricePerSegment'];
  if (rawPrice) {
    const m = /^(\d{1,9})(?:\.(\d{1,6}))?$/.exec(rawPrice);
    if (!m) r.problems.push(`SMS_PRICE_PER_SEGMENT=${rawPrice} is not a price such as 0.0085 (at most 6 decimals)`);
    else pricePerSegment = { micros: Number(m[1]) * 1_000_000 + Number((m[2] ?? '').padEnd(6, '0')), currency };
  }
  return {
    smartEncoding: r.bool('SMS_SMART_ENCODING', true),
    pricePerSegment,
    pricesFile: r.str('SMS_PRICES_FILE') || undefined,
  };
}

/** Opt-out keywords by default: the carriers' and regulators' usual ones, and 退订 / TD for Chinese recipients. */
export const DEFAULT_STOP_KEYWORDS = Object.freeze(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'TD', '退订']);
export const DEFAULT_START_KEYWORDS = Object.freeze(['START', 'UNSTOP']);

function readRepliesConfig(r: EnvReader): RepliesConfig {
  const keywords = (name: string, fallback: ReadonlyArray<string>) => {
    const raw = r.str(name);
    const list = (raw ? raw.split(',') : fallback).map(normalizeReplyText).filter(Boolean);
    if (raw && list.length === 0) r.problems.push(`${name} lists no keyword: give comma-separated words such as STOP,QUIT`);
    return [...new Set(list)];
  };
  const stopKeywords = keywords('REPLY_STOP_KEYWORDS', DEFAULT_STOP_KEYWORDS);
  const startKeywords = keywords('REPLY_START_KEYWORDS', DEFAULT_START_KEYWORDS);
  const both = stopKeywords.filter((k) => startKeywords.includes(k));
  if (both.length > 0) r.problems.push(`REPLY_STOP_KEYWORDS and REPLY_START_KEYWORDS both list ${both.join(', ')}`);
  const pollLookbackMs = r.int('REPLY_POLL_LOOKBACK_MS', 24 * HOUR_MS, 0, 28 * 24 * HOUR_MS);
  return {
    token: readPathToken(r, 'REPLY_TOKEN'),
    allowedIps: readAllowedIps(r, 'REPLY_ALLOWED_IPS'),
    pollIntervalMs: r.int('REPLY_POLL_INTERVAL_MS', 60_000, 0, 24 * HOUR_MS),
    pollLookbackMs,
    pollOverlapMs: r.int('REPLY_POLL_OVERLAP_MS', 5 * 60_000, 0, 24 * HOUR_MS),
    pollRatePerSecond: r.int('REPLY_POLL_RATE_PER_SECOND', 1, 1, 1_000),
    pollMaxCalls: r.int('REPLY_POLL_MAX_CALLS', 100, 1, 100_000),
    maxKept: r.int('REPLIES_MAX_KEPT', 1_000_000, 1_000, 100_000_000),
    dedupSeconds: Math.ceil(pollLookbackMs / 1000) + 86_400,
    stopKeywords,
    startKeywords,
  };
}

/** Reads WEBHOOK_*; a delivery attempt must end before the job lock does, or another worker would send it too. */
function readWebhookConfig(r: EnvReader, lockDurationMs: number): WebhookConfig {
  const raw = r.str('WEBHOOK_URL');
  const urlProblem = raw ? checkWebhookUrl(raw) : null;
  if (urlProblem) r.problems.push(`WEBHOOK_URL ${urlProblem}`);
  const secret = r.str('WEBHOOK_SECRET') || undefined;
  const secretProblem = secret === undefined ? null : checkWebhookSecret(secret);
  if (secretProblem) r.problems.push(`WEBHOOK_SECRET ${secretProblem}`);
  if (raw && !secret) r.problems.push('WEBHOOK_URL is set without WEBHOOK_SECRET: events must be signed (generate one: node -e "console.log(\'whsec_\' + require(\'crypto\').randomBytes(32).toString(\'base64\'))")');
  // Its default stays within a short lock, so that lowering WORKER_LOCK_DURATION_MS alone is never an error.
  const timeoutMs = r.int('WEBHOOK_TIMEOUT_MS', Math.max(100, Math.min(10_000, Math.floor(lockDurationMs / 2))), 100, 300_000);
  if (timeoutMs >= lockDurationMs) r.problems.push(`WEBHOOK_TIMEOUT_MS (${timeoutMs}) must be below WORKER_LOCK_DURATION_MS (${lockDurationMs})`);
  const retryFor = r.str('WEBHOOK_RETRY_FOR', '24h');
  const retryForMs = parseDuration(retryFor);
  if (retryForMs === null || retryForMs < 0 || retryForMs > 30 * 24 * HOUR_MS) r.problems.push(`WEBHOOK_RETRY_FOR=${retryFor} is not a duration up to 30 days (e.g. 24h, 90m, 30s, 500ms)`);
  return {
    url: raw && !urlProblem ? raw : undefined,
    secret,
    retryForMs: retryForMs ?? 24 * HOUR_MS,
    backoffMs: r.int('WEBHOOK_BACKOFF_MS', 5_000, 1, HOUR_MS),
    backoffMaxMs: r.int('WEBHOOK_BACKOFF_MAX_MS', HOUR_MS, 1, 24 * HOUR_MS),
    timeoutMs,
    concurrency: r.int('WEBHOOK_CONCURRENCY', 16, 1, 256),
    maxQueued: r.int('WEBHOOK_MAX_QUEUED', 20_000, 1, 10_000_000),
  };
}

/** "24h", "90m", "30s", "500ms", or a plain number of milliseconds; null when it is none of these. */
export function parseDuration(raw: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(raw);
  if (!m) return null;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS }[(m[2] ?? 'ms') as 'ms'];
  return Math.round(Number(m[1]) * unit);
}

function isIpOrCidr(entry: string): boolean {
  const [ip, bits, extra] = entry.split('/');
  const family = isIP(ip);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}
