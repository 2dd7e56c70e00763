/**
 * Times as the gateway's query endpoints write them: ISO 8601 to the second with the offset of the gateway's
 * zone (China, +08:00), e.g. "2021-02-12T00:00:00+08:00". Both the client and the simulator use this one form.
 */
const OFFSET_MS = 8 * 3600_000;
const OFFSET = '+08:00';

/** ms since the epoch → "yyyy-MM-ddTHH:mm:ss+08:00"; milliseconds are dropped, as the gateway shows none. */
export function formatGatewayTime(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 19) + OFFSET;
}

const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const WITHOUT_OFFSET = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(\.\d{1,9})?)$/;

/** Strict: an ISO 8601 time with seconds and an explicit offset (or Z), as the gateway requires of callers. */
export function parseIsoWithOffset(text: string): number | null {
  if (!WITH_OFFSET.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Tolerant, for reading answers: an ISO time with an offset; one without (or with a space for the T) is taken
 * in the gateway's zone; a number is epoch seconds or milliseconds. Anything else is null, never a guess.
 */
export function parseGatewayTime(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? (value < 1e11 ? value * 1000 : value) : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d{9,13}$/.test(text)) return parseGatewayTime(Number(text));
  const bare = WITHOUT_OFFSET.exec(text);
  return parseIsoWithOffset(bare ? `${bare[1]}T${bare[2]}${OFFSET}` : text);
}
