import { roll, type Faults } from './faults';

/** Why an undelivered message failed, in the words of operators' delivery receipts (SMPP `stat` values). */
export const FAILURE_REASONS = ['UNDELIV', 'EXPIRED', 'REJECTD'] as const;

/** A duplicate report follows the first copy by this much plus up to DUPLICATE_SPREAD_MS: "a little later". */
const DUPLICATE_AFTER_MS = 100;
const DUPLICATE_SPREAD_MS = 500;

/**
 * What becomes of one accepted message, decided once at acceptance from the faults of that moment, so that
 * getReport, the pushed report and the stats always tell the same story.
 */
export interface DeliveryFate {
  /** null: delivered; otherwise why not (one of FAILURE_REASONS, or the number's undeliveredReasons entry). */
  failure: string | null;
  /** After acceptance, when the final status is known and the report is due. */
  reportDelayMs: number;
  /** The report is never pushed; getReport still knows the final status. */
  lost: boolean;
  /** After the first copy, when a second copy of the report is pushed; null for none. */
  duplicateAfterMs: number | null;
}

export function decideFate(f: Readonly<Faults>, number: string, text = ''): DeliveryFate {
  const lost = roll(f.reportLossRate);
  const chosen = Object.hasOwn(f.undeliveredReasons, number) ? f.undeliveredReasons[number] : undefined;
  const byText = Object.entries(f.undeliveredRateByText).find(([part]) => text.includes(part));
  return {
    failure:
      chosen ?? (roll(byText ? byText[1] : f.undeliveredRate) ? FAILURE_REASONS[Math.floor(Math.random() * FAILURE_REASONS.length)] : null),
    reportDelayMs: Math.round(f.reportDelayMs + Math.random() * f.reportDelayJitterMs),
    lost,
    duplicateAfterMs: !lost && roll(f.reportDuplicateRate) ? DUPLICATE_AFTER_MS + Math.round(Math.random() * DUPLICATE_SPREAD_MS) : null,
  };
}
