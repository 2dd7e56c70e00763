import { parseGatewayTime } from './gateway-time';
import { count, isObject, scalar, type Fields } from './json-fields';

/**
 * What one getReport, getSentRcd or getBalance call came to.
 * - `ok`: status "0", with the answer read tolerantly.
 * - `status`: the gateway answered a non-zero status (-15 queried too often, -18, -1 …).
 * - `transport`: no complete answer (refused, timeout, reset). Queries change nothing, so asking again is safe.
 * - `http`: an HTTP status other than 200.
 * - `not-json`: HTTP 200 whose body is not the API's JSON, or lacks a field the answer cannot do without.
 */
export type QueryResult<T> =
  | { ok: true; value: T }
  | { ok: false; kind: 'status'; status: string; reason: string }
  | { ok: false; kind: 'transport' | 'http' | 'not-json'; message: string; httpStatus?: number };

export type QueryFailure = Exclude<QueryResult<unknown>, { ok: true }>;

/** A failed query in words, for an error message or a log line: "status -18 (gateway exception)", "transport: …". */
export function describeQueryFailure(f: QueryFailure): string {
  return f.kind === 'status' ? `status ${f.status} (${f.reason})` : `${f.kind}: ${f.message}`;
}

/** One message's delivery result from getReport. */
export interface ReportRecord {
  msgId: string;
  number: string;
  /** ms since the epoch, parsed from the answer's ISO time; null when absent or unreadable. */
  receiveTime: number | null;
  /** From `status`: 0 delivered, -1 (or none) sending, any other value failed. */
  state: 'delivered' | 'sending' | 'failed';
  rawStatus: string;
}

export interface ReportAnswer {
  records: ReportRecord[];
  /** The answer's `nofound` (which includes messages still queued); when absent, ids asked about without a record. */
  nofound: number;
  /** The answer's `sending`; when absent, records still sending. */
  sending: number;
}

/** One submission from getSentRcd. */
export interface SentRecord {
  msgId: string;
  number: string;
  receiveTime: number | null;
  /** '0' sent, '2' failed. */
  rawStatus: string;
}

export interface SentRcdAnswer {
  records: SentRecord[];
}

/** Decimal strings exactly as the gateway gave them (never floats: they are money). */
export interface BalanceAnswer {
  balance: string;
  gift: string;
  credit: string;
}

/**
 * Parses a query's body: a non-zero status becomes a `status` result, status "0" goes to `read`, which returns
 * null when a field the answer cannot do without is missing. Long bare integers (msgIds sent as JSON numbers)
 * are read as text first, since JSON.parse would round them past 2^53.
 */
export function parseQueryAnswer<T>(body: string, read: (fields: Fields) => T | null): QueryResult<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(quoteLongIntegers(body));
  } catch {
    return { ok: false, kind: 'not-json', message: 'the answer is not JSON' };
  }
  if (!isObject(raw)) return { ok: false, kind: 'not-json', message: 'the answer is not a JSON object' };
  const status = scalar(raw.status)?.trim();
  if (status === undefined) return { ok: false, kind: 'not-json', message: 'the answer has no status' };
  if (status !== '0') return { ok: false, kind: 'status', status, reason: scalar(raw.reason) ?? '' };
  const value = read(raw);
  return value === null ? { ok: false, kind: 'not-json', message: 'the answer lacks the fields of its endpoint' } : { ok: true, value };
}

/** getReport's fields; `asked` are the msgIds of the call, to count nofound when the answer does not. */
export function readReportAnswer(fields: Fields, asked: readonly string[]): ReportAnswer {
  const records = rows(fields.array)
    .map((row): ReportRecord => {
      const rawStatus = (scalar(row.status) ?? '').trim();
      // A record without a status is not called failed: asking again later costs less than a false failure.
      const state = rawStatus === '0' ? 'delivered' : rawStatus === '-1' || rawStatus === '' ? 'sending' : 'failed';
      return { ...identity(row), receiveTime: parseGatewayTime(row.receiveTime), state, rawStatus };
    })
    .filter((r) => r.msgId !== '');
  const answered = new Set(records.map((r) => r.msgId));
  return {
    records,
    nofound: count(fields.nofound) ?? new Set(asked.filter((id) => !answered.has(id))).size,
    sending: count(fields.sending) ?? records.filter((r) => r.state === 'sending').length,
  };
}

export function readSentRcdAnswer(fields: Fields): SentRcdAnswer {
  const records = rows(fields.array).map((row): SentRecord => ({
    ...identity(row),
    receiveTime: parseGatewayTime(row.receiveTime),
    rawStatus: (scalar(row.status) ?? '').trim(),
  }));
  return { records: records.filter((r) => r.msgId !== '') };
}

/** Null without a balance; gift and credit default to "0", since not every account has them. */
export function readBalanceAnswer(fields: Fields): BalanceAnswer | null {
  const balance = scalar(fields.balance)?.trim();
  if (!balance) return null;
  return { balance, gift: scalar(fields.gift)?.trim() || '0', credit: scalar(fields.credit)?.trim() || '0' };
}

/**
 * Puts quotes around bare JSON integers of 16 digits or more, outside strings, so that JSON.parse keeps their
 * digits ("2108021059531000096" is above 2^53 and would come back as ...000100). Numbers with a fraction or an
 * exponent are left alone: they are not ids.
 */
export function quoteLongIntegers(json: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < json.length) {
    const c = json[i];
    if (c === '"') {
      i += 1;
      while (i < json.length && json[i] !== '"') i += json[i] === '\\' ? 2 : 1;
      i += 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const start = i;
      while (i < json.length && /[-+0-9.eE]/.test(json[i])) i += 1;
      if (/^-?\d{16,}$/.test(json.slice(start, i))) {
        out += `${json.slice(copied, start)}"${json.slice(start, i)}"`;
        copied = i;
      }
    } else i += 1;
  }
  return copied === 0 ? json : out + json.slice(copied);
}

function rows(v: unknown): Fields[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

function identity(row: Fields): { msgId: string; number: string } {
  return { msgId: (scalar(row.msgId ?? row.msgid) ?? '').trim(), number: (scalar(row.number ?? row.mobile) ?? '').trim() };
}
