/**
 * Times read back from Redis. Every record keeps its times as ms since the epoch; one that is no date (written by
 * an older version, by hand, or corrupt) must not break the list or export that shows it, since toISOString
 * throws on it. Readers take it through here and leave the field out (or fall back) instead.
 */

/** The range of a JavaScript Date. */
const MAX_TIME_MS = 8.64e15;

/** A stored time (ms since the epoch) that can be shown as a date. */
export function isShowableTime(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME_MS;
}

/** A time field as stored, or undefined when it is absent or not one. */
export function storedTime(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const ms = Number(v);
  return isShowableTime(ms) ? ms : undefined;
}
