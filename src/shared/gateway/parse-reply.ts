import { count, isObject, scalar } from './json-fields';

/** The gateway's JSON answer, with its string counts turned into numbers and every field checked. */
export interface GatewayReply {
  status: string;
  reason: string;
  success: number | null;
  fail: number | null;
  /** Accepted numbers; null when the answer has no `array` at all. */
  accepted: AcceptedEntry[] | null;
  /** Elements of `array` that are not a readable entry (or 1 for an `array` that is not a list): they may name accepted numbers. */
  malformed: number;
  /** The msgIds those elements carry, when they carry one: a msgId they share with an entry makes that entry doubtful. */
  malformedMsgIds: string[];
  /** `success` or `fail` is given but is not a whole count: the answer cannot be checked, and is doubtful. */
  unreadableCounts: boolean;
}

export interface AcceptedEntry {
  msgId: string;
  number: string;
  orderId: string;
}

/**
 * Parses a sendSms body tolerantly: counts may be strings or numbers, `array` may be missing, extra fields are
 * ignored. An element of `array` without a msgId, or with a field of the wrong type, is not an entry but counted
 * in `malformed`: it may stand for an accepted number, which the caller must not then call refused. Returns null
 * when the body is not the API's JSON at all (an HTML error page, a proxy's text, a truncated body), which the
 * outcome table treats as unknowable.
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
  const success = count(raw.success);
  const fail = count(raw.fail);
  const given = (v: unknown) => v !== undefined && v !== null;
  const unreadableCounts = (success === null && given(raw.success)) || (fail === null && given(raw.fail));
  const reply: GatewayReply = {
    status: status.trim(),
    reason: scalar(raw.reason) ?? '',
    success,
    fail,
    accepted: null,
    malformed: 0,
    malformedMsgIds: [],
    unreadableCounts,
  };
  if (Array.isArray(raw.array)) readEntries(raw.array, reply);
  else if (raw.array !== undefined && raw.array !== null) reply.malformed = 1;
  return reply;
}

/** The elements that are entries, into `reply`; a loop rather than flatMap, which made a small array per accepted number. */
function readEntries(array: unknown[], reply: GatewayReply): void {
  const out: AcceptedEntry[] = [];
  for (const e of array) {
    if (!isObject(e)) {
      reply.malformed++;
      continue;
    }
    const msgId = exact(e.msgId ?? e.msgid);
    const number = exact(e.number ?? '');
    const orderId = exact(e.orderId ?? '');
    if (msgId && number !== undefined && orderId !== undefined) out.push({ msgId, number, orderId });
    else {
      reply.malformed++;
      if (msgId) reply.malformedMsgIds.push(msgId);
    }
  }
  reply.accepted = out;
}

/** A string, or a whole number JSON carried exactly; a msgId beyond 2^53 written as a number has lost its digits. */
function exact(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  return Number.isSafeInteger(v) ? String(v) : undefined;
}

/** The first characters of a body, for a reason text; never the whole of a large page. */
export function snippet(body: string, max = 80): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
