/**
 * Prices arrive as decimal strings ("0.0200"). Sums are kept in integer millionths, so that a million reports
 * add up exactly, which floating point would not.
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
  const fraction = String(abs % 10 ** SCALE_DIGITS).padStart(SCALE_DIGITS, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${sign}${whole}.${fraction}`;
}
