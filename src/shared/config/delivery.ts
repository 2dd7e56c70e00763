import { HOUR_MS, type EnvReader } from './env';

/** Delivery reports: the push receiver and the poller. */
export interface DeliveryConfig {
  /**
   * `DLR_TRACKING`: index every sent msgId and poll for reports. Off: batches skip the msgId index, no poller runs,
   * and the receiver refuses pushes. What the index costs was measured on the 2-core bench machine (docs/performance.md,
   * Performance): about 80 B of Redis per message, a third of the instant-gateway rate, and 8–13 points of the
   * slow-gateway share. @defaultValue true
   */
  tracking: boolean;
  /** `DLR_TOKEN`: the secret path segment of POST /v1/delivery-reports/:token; without it the receiver refuses every push. @defaultValue undefined */
  token?: string;
  /** `DLR_ALLOWED_IPS`: addresses or CIDR ranges allowed to push reports; empty: any. @defaultValue `[]` */
  allowedIps: string[];
  /** `DLR_POLL_INTERVAL_MS`: how often the poller runs (a BullMQ job scheduler); 0 turns it off. @defaultValue 60000 */
  pollIntervalMs: number;
  /** `DLR_POLL_AFTER_MS`: a sent message without a report is first asked about this long after it was sent, then again as often. @defaultValue 600000 (10 min) */
  pollAfterMs: number;
  /** `DLR_POLL_RATE_PER_SECOND`: getReport calls per second, across the poller's calls. @defaultValue 2 */
  pollRatePerSecond: number;
  /** `DLR_POLL_MAX_CALLS`: getReport calls one poller run makes at most (200 msgIds each). @defaultValue 50 */
  pollMaxCalls: number;
  /**
   * `DLR_EXPIRE_AFTER_MS`: a message with no report this long after it was sent is `expired`, and no longer asked
   * about; must be below RESULT_RETENTION_SECONDS. @defaultValue 259200000 (72 h), or 90% of the retention when that is shorter
   */
  expireAfterMs: number;
  /** `DLR_HOLD_MS`: a report whose msgId is not (yet) indexed is kept this long, in case its send's result is recorded later. @defaultValue 86400000 (24 h) */
  holdMs: number;
}

/** Settling of `unknown` recipients from the gateway's records: `smsq settle` and the automatic settle job. */
export interface SettlingConfig {
  /**
   * `SMS_AUTO_SETTLE` (read under its old name SMS_AUTO_RECONCILE when unset): a batch that ends with `unknown`
   * recipients schedules a settle job SMS_SETTLE_AFTER_MS later, which does what `smsq settle` does; a campaign
   * stays `running` until none is left. Off: campaigns complete with `unknown` recipients, left to `smsq settle`.
   * @defaultValue true
   */
  autoSettle: boolean;
  /** `SMS_AUTO_RESEND`: the settle job queues the `not-sent` recipients again (once per round). @defaultValue true */
  autoResend: boolean;
  /**
   * `SMS_SETTLE_AFTER_MS` (read under its old name RECONCILE_SETTLE_MS when unset): how long the gateway may take
   * to record a submission; settling calls nothing `not-sent` younger than this, and the settle job runs this long
   * after a batch ends with `unknown` recipients. @defaultValue 300000 (5 min)
   */
  settleAfterMs: number;
}

/** `retentionMs` bounds DLR_EXPIRE_AFTER_MS's default, so that the default stays within a short retention. */
export function readDeliveryConfig(r: EnvReader, retentionMs: number): DeliveryConfig {
  const token = r.pathToken('DLR_TOKEN');
  const allowedIps = r.ipList('DLR_ALLOWED_IPS');
  return {
    tracking: r.bool('DLR_TRACKING', true),
    token,
    allowedIps,
    pollIntervalMs: r.int('DLR_POLL_INTERVAL_MS', 60_000, 0, 24 * HOUR_MS),
    pollAfterMs: r.int('DLR_POLL_AFTER_MS', 10 * 60_000, 0, 30 * 24 * HOUR_MS),
    pollRatePerSecond: r.int('DLR_POLL_RATE_PER_SECOND', 2, 1, 1_000),
    pollMaxCalls: r.int('DLR_POLL_MAX_CALLS', 50, 1, 100_000),
    expireAfterMs: r.int('DLR_EXPIRE_AFTER_MS', Math.min(72 * HOUR_MS, Math.floor(retentionMs * 0.9)), 1_000, 365 * 24 * HOUR_MS),
    holdMs: r.int('DLR_HOLD_MS', 24 * HOUR_MS, 1_000, 30 * 24 * HOUR_MS),
  };
}

export function readSettlingConfig(r: EnvReader): SettlingConfig {
  return {
    autoSettle: r.bool(r.renamed('SMS_AUTO_SETTLE', 'SMS_AUTO_RECONCILE'), true),
    autoResend: r.bool('SMS_AUTO_RESEND', true),
    settleAfterMs: r.int(r.renamed('SMS_SETTLE_AFTER_MS', 'RECONCILE_SETTLE_MS'), 5 * 60_000, 0, 24 * HOUR_MS),
  };
}
