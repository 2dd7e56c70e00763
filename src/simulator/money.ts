/**
 * Money in integer micro-units (millionths of a currency unit), so that the cost of a million messages is an
 * exact sum rather than a float that drifts. Shown with 4 decimals ("0.0200"); prices are refused unless they
 * are whole multiples of 0.0001, so that every shown amount is exact.
 */
const MICROS_PER_UNIT = 1_000_000;
const MICROS_PER_SHOWN_DIGIT = 100;
const SHOWN_DECIMALS = 4;

export function toMicros(amount: number): number {
  return Math.round(amount * MICROS_PER_UNIT);
}

/** True for a price the 4-decimal display shows exactly (0.0035 yes, 0.00001 no). */
export function hasAtMostFourDecimals(amount: number): boolean {
  const scaled = amount * 10 ** SHOWN_DECIMALS;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

export function formatMicros(micros: number): string {
  const shown = Math.round(Math.abs(micros) / MICROS_PER_SHOWN_DIGIT);
  const unit = 10 ** SHOWN_DECIMALS;
  const sign = micros < 0 && shown > 0 ? '-' : '';
  return `${sign}${Math.floor(shown / unit)}.${String(shown % unit).padStart(SHOWN_DECIMALS, '0')}`;
}
