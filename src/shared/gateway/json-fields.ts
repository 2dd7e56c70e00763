/**
 * Tolerant readers of the gateway's JSON fields, shared by every answer's parser. The reference says every field
 * is a string; gateways also send numbers, so both are taken.
 */
export type Fields = Record<string, unknown>;

export function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string, or a number written as one; undefined for anything else. */
export function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A whole count ≥ 0 given as a string or a number ("12", 12, " 12 "); null when absent or not one. */
export function count(v: unknown): number | null {
  const s = scalar(v)?.trim();
  if (!s) return null;
  const n = Number(s);
  return Number.isInteger(n) && n >= 0 ? n : null;
}
