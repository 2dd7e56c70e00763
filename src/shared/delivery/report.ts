import { quoteLongIntegers } from '../gateway/parse-queries';
import { receivedTimeProblem } from '../gateway/received-time';
import { toMicros } from './money';

/** A delivery report as smsq stores it, whether the gateway pushed it or the poller asked for it. */
export interface DeliveryReport {
  msgId: string;
  /** 'd' delivered, 'x' undelivered. */
  state: 'd' | 'x';
  /** When the gateway says it happened (ms); reports of one message are ordered by it. */
  at: number;
  /** The gateway's status and reason, kept for undelivered messages. */
  code: string;
  reason: string;
  number?: string;
  /** What the message cost (pricedetail.pay) in millionths of `currency`. */
  payMicros?: number;
  currency?: string;
  /** The price of one segment (pricedetail.price) in millionths of `currency`, when the report gives it. */
  segmentPriceMicros?: number;
}

export type ParsedReports = { reports: DeliveryReport[]; invalid: Array<{ index: number; reason: string }> };

/** Bodies of one push are this many reports at most; more is refused as a whole (400). */
export const MAX_REPORTS_PER_PUSH = 10_000;

/**
 * Reads a pushSmsReport body: one report object or an array of them. A bad element is named and skipped; the
 * good ones still count, since the gateway would only push the same body again. Throws a RangeError when the
 * body as a whole is not a report or a list of reports.
 */
export function parsePushBody(text: string, receivedAt: number): ParsedReports {
  let body: unknown;
  try {
    body = JSON.parse(quoteLongIntegers(text));
  } catch {
    throw new RangeError('body is not valid JSON');
  }
  const list = Array.isArray(body) ? body : [body];
  if (list.length > MAX_REPORTS_PER_PUSH) throw new RangeError(`more than ${MAX_REPORTS_PER_PUSH} reports in one body`);
  const out: ParsedReports = { reports: [], invalid: [] };
  list.forEach((item, index) => {
    const r = toReport(item, receivedAt);
    if (typeof r === 'string') out.invalid.push({ index, reason: r });
    else out.reports.push(r);
  });
  return out;
}

function toReport(item: unknown, receivedAt: number): DeliveryReport | string {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return 'not a report object';
  const o = item as Record<string, unknown>;
  // The vendor documents `msgid`; `msgId` (as in its other answers) is taken too.
  const msgId = idString(o.msgid ?? o.msgId);
  if (!msgId) return 'msgid is missing or not an id';
  const status = integer(o.status);
  if (status === null) return 'status is missing or not an integer';
  const at = o.timestamp === undefined || o.timestamp === null ? receivedAt : timestamp(o.timestamp);
  if (at === null) return 'timestamp is not a time in ms';
  const timeProblem = receivedTimeProblem(at, receivedAt, 'timestamp');
  if (timeProblem !== null) return timeProblem;
  const reason = typeof o.reason === 'string' ? o.reason.slice(0, 200) : '';
  const report: DeliveryReport = { msgId, state: status === 0 ? 'd' : 'x', at, code: String(status), reason };
  if (typeof o.mobile === 'string' || typeof o.mobile === 'number') report.number = String(o.mobile);
  const price = o.pricedetail;
  if (price && typeof price === 'object') {
    const p = price as Record<string, unknown>;
    const pay = toMicros(p.pay);
    if (pay !== null) {
      report.payMicros = pay;
      report.currency = typeof p.currency === 'string' && /^[A-Za-z]{1,8}$/.test(p.currency) ? p.currency.toUpperCase() : '';
      const segment = toMicros(p.price);
      if (segment !== null) report.segmentPriceMicros = segment;
    }
  }
  return report;
}

function idString(v: unknown): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && /^[\w.-]{1,64}$/.test(v.trim())) return v.trim();
  return null;
}

function integer(v: unknown): number | null {
  const n = typeof v === 'string' && /^\s*-?\d{1,9}\s*$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n : null;
}

/** Milliseconds as documented; a value that can only be seconds is taken as seconds. */
function timestamp(v: unknown): number | null {
  // Long digit strings too (quoteLongIntegers turns 1e20 into one), so that they are refused as out of range.
  const n = typeof v === 'string' && /^\d{9,30}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return null;
  return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
}
