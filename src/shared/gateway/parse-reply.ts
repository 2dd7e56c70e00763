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
    accepted: Array.isArray(raw.array) ? raw.array.flatMap(entry) : null,
  };
}

function entry(e: unknown): AcceptedEntry[] {
  if (!isObject(e)) return [];
  const msgId = scalar(e.msgId ?? e.msgid);
  if (!msgId) return [];
  return [{ msgId, number: scalar(e.number) ?? '', orderId: scalar(e.orderId) ?? '' }];
}

/** The first characters of a body, for a reason text; never the whole of a large page. */
export function snippet(body: string, max = 80): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
