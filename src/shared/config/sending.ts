import type { EnvReader } from './env';

/** How batches are sent: their size, how many at once, retries, rate limits and the job lock. */
export interface SendingOptions {
  /** `SMS_BATCH_SIZE`: recipients per batch and per call, at most 1000; the producer stages batches of this size. @defaultValue 1000 */
  batchSize: number;
  /** `WORKER_CONCURRENCY`: batches one worker process sends at once. @defaultValue 8 */
  concurrency: number;
  /** `SMS_ATTEMPTS`: attempts per batch for transient failures (-18, 5xx, 429, connection refused). @defaultValue 6 */
  attempts: number;
  /** `SMS_BACKOFF_MS`: the first retry delay; doubles each attempt, ±50% jitter. @defaultValue 1000 */
  backoffMs: number;
  /** `SMS_RATE_LIMIT_PER_SECOND`: batch calls per second across all workers; 0 means no limit. @defaultValue 0 */
  rateLimitPerSecond: number;
  /**
   * `SMS_RELEASE_AHEAD`: batch jobs each campaign keeps waiting in its lane: a campaign queued later waits behind
   * about this many batches of each active campaign of its priority. Each batch that starts releases one more.
   * @defaultValue 4
   */
  releaseAhead: number;
  /** `SMS_SENDER_RATE_LIMITS=SHOP:5,ALERTS:50`: calls per second per senderId, shared by all workers. @defaultValue `{}` */
  senderRateLimits: Readonly<Record<string, number>>;
  /** `SMS_RETRY_UNKNOWN`: resend when a call's outcome is unknowable (timeout after sending, reset, garbage 200). @defaultValue false */
  retryUnknown: boolean;
  /** `SMS_SPLIT_MAX_CALLS`: extra calls one batch may spend isolating numbers refused with -9. @defaultValue 64 */
  splitMaxCalls: number;
  /**
   * `SMS_BREAKER_FAILURES`: transient failures in a row (-18 after its retries, 5xx, 429, timeouts before sending)
   * after which an account's circuit breaker opens and its traffic goes to its fallbacks. @defaultValue 5
   */
  breakerFailures: number;
  /** `SMS_BREAKER_OPEN_MS`: how long an open breaker routes around its account before one probe call may try it. @defaultValue 30000 */
  breakerOpenMs: number;
  /** `WORKER_LOCK_DURATION_MS`: BullMQ's job lock; a dead worker's batches come back after about this long. @defaultValue 30000 */
  lockDurationMs: number;
  /** `WORKER_STALLED_INTERVAL_MS`: how often workers look for stalled batches. @defaultValue 30000 */
  stalledIntervalMs: number;
}

export function readSendingOptions(r: EnvReader): SendingOptions {
  return {
    batchSize: r.int('SMS_BATCH_SIZE', 1000, 1, 1000),
    concurrency: r.int('WORKER_CONCURRENCY', 8, 1, 256),
    attempts: r.int('SMS_ATTEMPTS', 6, 1, 100),
    backoffMs: r.int('SMS_BACKOFF_MS', 1_000, 1, 600_000),
    rateLimitPerSecond: r.int('SMS_RATE_LIMIT_PER_SECOND', 0, 0, 100_000),
    releaseAhead: r.int('SMS_RELEASE_AHEAD', 4, 1, 1_000),
    senderRateLimits: readSenderRateLimits(r),
    retryUnknown: r.bool('SMS_RETRY_UNKNOWN', false),
    splitMaxCalls: r.int('SMS_SPLIT_MAX_CALLS', 64, 0, 2_000),
    breakerFailures: r.int('SMS_BREAKER_FAILURES', 5, 1, 1_000),
    breakerOpenMs: r.int('SMS_BREAKER_OPEN_MS', 30_000, 1_000, 3_600_000),
    lockDurationMs: r.int('WORKER_LOCK_DURATION_MS', 30_000, 1_000, 600_000),
    stalledIntervalMs: r.int('WORKER_STALLED_INTERVAL_MS', 30_000, 1_000, 600_000),
  };
}

/** `SHOP:5,ALERTS:50`: calls per second per senderId. */
function readSenderRateLimits(r: EnvReader): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const entry of r
    .str('SMS_SENDER_RATE_LIMITS')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^(.+):(\d+(?:\.\d+)?)$/.exec(entry);
    if (!m || Number(m[2]) <= 0) r.problems.push(`SMS_SENDER_RATE_LIMITS entry "${entry}" is not senderId:callsPerSecond (e.g. SHOP:5)`);
    else limits[m[1]] = Number(m[2]);
  }
  return limits;
}
