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
}

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
  };
}
