import { count, isObject, scalar } from './json-fields';

/** The gateway's JSON answer, with its string counts turned into numbers and every field checked. */
export interface GatewayReply {
  status: string;
  reason: string;
  success: number | null;
  fail: number | null;
  /** Accepted numbers; null when the answer has no `array` at all. */
  accepted: AcceptedEntry[] | null;
}

export interface AcceptedEntry {
  msgId: string;
  number: string;
  orderId: string;
}

/**
 * Parses a sendSms body tolerantly: counts may be strings or numbers, `array` may be missing, extra fields are
 * ignored, entries without a msgId are dropped. Returns null when the body is not the API's JSON at all
 * (an HTML error page, a proxy's text, a truncated body), which the outcome table treats as unknowable.
 */
export function parseReply(body: string): GatewayReply | null {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isObject(raw)) return null;
  const status = scalar(raw.status);
  if (status === undefined) return null;
  return {
    status: status.trim(),
    reason: scalar(raw.reason) ?? '',
    success: count(raw.success),
    fail: count(raw.fail),
    accepted: Array.isArray(raw.array) ? entries(raw.array) : null,
  };
}

/** The entries that carry a msgId; a loop rather than flatMap, which made a small array per accepted number. */
function entries(array: unknown[]): AcceptedEntry[] {
  const out: AcceptedEntry[] = [];
  for (const e of array) {
    if (!isObject(e)) continue;
    const msgId = scalar(e.msgId ?? e.msgid);
    if (msgId) out.push({ msgId, number: scalar(e.number) ?? '', orderId: scalar(e.orderId) ?? '' });
  }
  return out;
}

/** The first characters of a body, for a reason text; never the whole of a large page. */
export function snippet(body: string, max = 80): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
