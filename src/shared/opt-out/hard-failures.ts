import type { Config } from '../config';
import type { Logger } from '../logger';
import { metrics } from '../metrics';
import type { StoredOutcome } from '../types';
import { suppressionTenant, type SuppressionStore } from './suppression-store';

/**
 * Hard failures: answers that say a number does not exist or can never receive, so that sending to it again only
 * costs money. Such a number goes on the suppression list with reason `hard-failure` (docs/delivery-reports.md,
 * Hard failures). Only two answers count, both about one number alone: a `-9` for a call of that single number
 * (the gateway's "a number is abnormal", after splitting isolated it), and an undelivered report whose reason is one
 * of SMS_HARD_FAILURE_REASONS. A NOT_ACCEPTED (a number left out of an answer), a generic UNDELIV or EXPIRED (a
 * phone switched off) and content or account codes could be anything, and never count.
 */

/** The gateway's status for a call it refuses because of a number in it (docs/gateway.md). */
export const NUMBER_REFUSED = '-9';

/** Where the hard failure was met: a call's answer, or a delivery report. The metric's label. */
export type HardFailureSource = 'call' | 'report';

/** The reason entries added here carry on the suppression list. */
export const HARD_FAILURE_REASON = 'hard-failure';

/** A call's outcome that proves its number hard-failed: failed `-9` in a call of that number alone. */
export function isHardOutcome(o: StoredOutcome | undefined, callSize: number): boolean {
  return callSize === 1 && o !== undefined && o[0] === 'f' && o[1] === NUMBER_REFUSED;
}

/** True for an undelivered report's reason that is one of SMS_HARD_FAILURE_REASONS (the whole reason, any case). */
export function isHardReason(config: Pick<Config, 'optOut'>, reason: string): boolean {
  const r = reason.trim().toUpperCase();
  return r !== '' && config.optOut.hardFailureReasons.includes(r);
}

/**
 * Puts a campaign's hard-failed numbers on the suppression list (the tenant's own under SMS_SUPPRESSION_SCOPE=tenant),
 * never replacing an entry already there: an operator's `manual` or a STOP stays what it was. A failed write is
 * logged and swallowed: the outcome or report that showed the failure is recorded already, and must stand.
 */
export async function suppressHardFailures(
  ctx: { config: Config; suppressions: SuppressionStore },
  log: Logger,
  campaignId: string,
  numbers: readonly string[],
  source: HardFailureSource,
): Promise<void> {
  if (!ctx.config.optOut.suppressHardFailures || numbers.length === 0) return;
  const at = Date.now();
  try {
    const added = await ctx.suppressions.add(
      numbers.map((number) => ({ number, reason: HARD_FAILURE_REASON, source: 'gateway', at })),
      { keepListed: true, tenant: suppressionTenant(ctx.config, campaignId) },
    );
    if (added > 0) {
      metrics.hardFailuresSuppressed.labels(source).inc(added);
      // How many, never which: numbers stay out of logs.
      log.info({ campaignId, added, source }, 'hard failures put on the suppression list');
    }
  } catch (err) {
    log.warn({ campaignId, source, err }, 'could not put hard failures on the suppression list; they may be sent to again');
  }
}
