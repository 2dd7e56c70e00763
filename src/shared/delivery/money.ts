/**
 * Money in integer millionths of a currency unit ("micros"), so that a million prices add up exactly, which
 * floating point would not. Prices arrive as decimal strings ("0.0200"); the producer, the delivery records and
 * the simulator all count and show them with these functions.
 */
const SCALE_DIGITS = 6;

/** "0.02" → 20000; null for anything that is not a plain non-negative decimal with at most 6 decimals' worth. */
export function toMicros(value: unknown): number | null {
  const s = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof s !== 'string') return null;
  const m = /^\s*(\d{1,12})(?:\.(\d+))?\s*$/.exec(s);
  if (!m) return null;
  const fraction = (m[2] ?? '').slice(0, SCALE_DIGITS).padEnd(SCALE_DIGITS, '0');
  return Number(m[1]) * 10 ** SCALE_DIGITS + Number(fraction);
}

/** 20000 → "0.02", 123450000 → "123.45", 1 → "0.000001": at least two decimals, no trailing zeros beyond. */
export function formatMicros(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(Math.round(micros));
  const whole = Math.floor(abs / 10 ** SCALE_DIGITS);
  const fraction = String(abs % 10 ** SCALE_DIGITS)
    .padStart(SCALE_DIGITS, '0')
    .replace(/0+$/, '')
    .padEnd(2, '0');
  return `${sign}${whole}.${fraction}`;
}

/** The gateway shows amounts with 4 decimals ("0.0200"); the simulator answers in that form. */
export const GATEWAY_DECIMALS = 4;

/** With exactly `decimals` decimals, rounded: formatMicrosFixed(20000, GATEWAY_DECIMALS) → "0.0200". */
export function formatMicrosFixed(micros: number, decimals: number): string {
  const shown = Math.round(Math.abs(micros) / 10 ** (SCALE_DIGITS - decimals));
  const unit = 10 ** decimals;
  const sign = micros < 0 && shown > 0 ? '-' : '';
  return `${sign}${Math.floor(shown / unit)}.${String(shown % unit).padStart(decimals, '0')}`;
}

/** A finite amount given as a JavaScript number (the simulator's pricePerSegment), rounded to micros: 0.0035 → 3500. */
export function roundToMicros(amount: number): number {
  return Math.round(amount * 10 ** SCALE_DIGITS);
}
