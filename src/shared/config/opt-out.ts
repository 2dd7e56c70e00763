import type { EnvReader } from './env';

/** Opt-outs: the suppression list check, contact history and the frequency cap. */
export interface OptOutConfig {
  /** `SMS_SUPPRESSION_CHECK`: check the suppression list at the start of every call. @defaultValue true */
  suppressionCheck: boolean;
  /**
   * `SMS_CONTACT_HISTORY`: remember per number the last campaign that sent to it (replies are attributed with it)
   * and, with a frequency cap, its send times. It costs Redis two or three commands per recipient at each call
   * start, so it is on only when asked for, or when SMS_FREQUENCY_CAP needs it.
   * @defaultValue true with SMS_FREQUENCY_CAP, else false
   */
  contactHistory: boolean;
  /** `SMS_FREQUENCY_CAP=3/24h`: messages per number per rolling period across campaigns; undefined: no cap. @defaultValue undefined */
  frequencyCap?: { count: number; periodSeconds: number };
  /**
   * How long a number's contact history is kept after its last send (not a variable of its own).
   * @defaultValue the cap's period or RESULT_RETENTION_SECONDS, the longer
   */
  contactTtlSeconds: number;
  /**
   * `SMS_SUPPRESSION_SCOPE`: `shared` — one suppression list for every tenant: a STOP, an operator's or a tenant's
   * entry keeps the number from every campaign; `tenant` — a tenant's own entries, and STOP replies to its campaigns,
   * go to a list of its own that binds only its campaigns (brands that are legally separate senders), while the
   * shared list still binds everyone (docs/tenants.md, Opt-outs).
   * @defaultValue `'shared'`
   */
  suppressionScope: 'shared' | 'tenant';
  /**
   * `SMS_SUPPRESS_HARD_FAILURES`: a number the gateway refuses alone with `-9`, or whose delivery report fails with
   * one of SMS_HARD_FAILURE_REASONS, goes on the suppression list with reason `hard-failure` (docs/delivery-reports.md,
   * Hard failures). @defaultValue true
   */
  suppressHardFailures: boolean;
  /**
   * `SMS_HARD_FAILURE_REASONS`: the undelivered reports' reasons that mean the number does not exist or can never
   * receive, comma-separated, compared case-insensitively with the whole reason. The vendor documents no list.
   * @defaultValue `UNKNOWN,UNKNOWN_SUBSCRIBER,ABSENT_SUBSCRIBER_PERMANENT,INVALID_NUMBER,err:001`
   */
  hardFailureReasons: string[];
}

/** Reasons operators' receipts give for a number that does not exist (docs/delivery-reports.md, Hard failures). */
export const DEFAULT_HARD_FAILURE_REASONS = ['UNKNOWN', 'UNKNOWN_SUBSCRIBER', 'ABSENT_SUBSCRIBER_PERMANENT', 'INVALID_NUMBER', 'err:001'];
/** Reports keep 200 characters of a reason; more entries than this is a list pasted by mistake. */
const MAX_HARD_REASONS = 100;
const MAX_HARD_REASON_LENGTH = 200;

const PERIOD_UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

export function readOptOutConfig(r: EnvReader, retentionSeconds: number): OptOutConfig {
  const raw = r.str('SMS_FREQUENCY_CAP');
  const contactHistory = r.bool('SMS_CONTACT_HISTORY', raw !== '');
  let frequencyCap: OptOutConfig['frequencyCap'];
  if (raw) {
    const m = /^(\d{1,3})\/(\d{1,6})(s|m|h|d)$/.exec(raw);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1)
      r.problems.push(`SMS_FREQUENCY_CAP=${raw} is not messages/period such as 3/24h (units s, m, h, d)`);
    else if (!contactHistory)
      r.problems.push('SMS_FREQUENCY_CAP needs SMS_CONTACT_HISTORY=true: the cap counts sends in the contact history');
    else frequencyCap = { count: Number(m[1]), periodSeconds: Number(m[2]) * PERIOD_UNITS[m[3]] };
  }
  const scope = r.str('SMS_SUPPRESSION_SCOPE', 'shared');
  if (scope !== 'shared' && scope !== 'tenant') r.problems.push(`SMS_SUPPRESSION_SCOPE=${scope} must be shared or tenant`);
  return {
    suppressionScope: scope === 'tenant' ? 'tenant' : 'shared',
    suppressionCheck: r.bool('SMS_SUPPRESSION_CHECK', true),
    contactHistory,
    frequencyCap,
    contactTtlSeconds: Math.max(frequencyCap?.periodSeconds ?? 0, retentionSeconds),
    suppressHardFailures: r.bool('SMS_SUPPRESS_HARD_FAILURES', true),
    hardFailureReasons: hardReasons(r, 'SMS_HARD_FAILURE_REASONS'),
  };
}

/** SMS_HARD_FAILURE_REASONS, upper-cased for a case-insensitive comparison; the default when unset. */
function hardReasons(r: EnvReader, name: string): string[] {
  const raw = r.str(name);
  const list = (raw ? raw.split(',') : DEFAULT_HARD_FAILURE_REASONS).map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (raw && list.length === 0) r.problems.push(`${name} lists no reason: give comma-separated reasons such as UNKNOWN_SUBSCRIBER`);
  if (list.length > MAX_HARD_REASONS) r.problems.push(`${name} lists ${list.length} reasons: at most ${MAX_HARD_REASONS}`);
  const long = list.find((s) => s.length > MAX_HARD_REASON_LENGTH);
  if (long !== undefined) r.problems.push(`${name} has a reason longer than ${MAX_HARD_REASON_LENGTH} characters`);
  return [...new Set(list)];
}
