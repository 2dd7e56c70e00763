/** Times a campaign is given: an instant with its offset (`sendAt`, `expireAt`) and a duration (`validFor`). */

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 instant that says its offset (`2026-12-01T09:00:00+01:00`, or `Z`): a time without one would be read
 * in whatever zone the producer runs in. Returns ms since the epoch, or an Error message.
 */
export function parseInstant(value: string | Date): number | string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'is not a valid date' : value.getTime();
  if (!ISO_WITH_OFFSET.test(value)) return `"${value}" is not ISO 8601 with an offset, such as 2026-12-01T09:00:00+01:00`;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? `"${value}" is not a valid date` : ms;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `6h`, `90m`, `2d`, `45s` (or a number of ms): how long after the enqueue a recipient may still be sent. */
export function parseDuration(value: string | number): number | string {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : 'must be a positive number of ms';
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(value.trim());
  if (!m || Number(m[1]) <= 0) return `"${value}" is not a duration such as 6h, 90m, 2d or 45s`;
  return Math.round(Number(m[1]) * UNITS[m[2]]);
}
