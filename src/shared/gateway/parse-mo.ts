import { parseGatewayTime } from './gateway-time';
import { normalizeNumber } from '../recipient/phone-number';
import { count, isObject, scalar, type Fields } from './json-fields';
import { receivedTimeProblem } from './received-time';

/**
 * One reply (mobile-originated message) as recordMo lists it and as the gateway pushes it: the same fields both
 * ways. Everything is kept as text but the time, so that nothing is rounded or guessed.
 */
export interface MoRecord {
  /** The replying phone, as the gateway wrote it (normalised later, by the reply store). */
  number: string;
  /** The senderId the reply was sent to. */
  sendId: string;
  /** ms since the epoch; null when absent or unreadable. */
  receiveTime: number | null;
  content: string;
  mcc: string;
  mnc: string;
  operator: string;
  /** What the reply cost, when the gateway says (`pricedetail.pay` and its currency). */
  pay?: string;
  currency?: string;
}

/** One page of recordMo. */
export interface MoAnswer {
  records: MoRecord[];
  /** Replies in the whole window, and pages of `size`; derived from the records when the answer lacks them. */
  total: number;
  pages: number;
  current: number;
}

/** recordMo's `data`; null when there is none (an answer without it cannot be told from an empty one). */
export function readMoAnswer(fields: Fields): MoAnswer | null {
  const data = fields.data;
  if (!isObject(data)) return null;
  const rows = Array.isArray(data.records) ? data.records.filter(isObject) : [];
  const records = rows.map(readMoRecord).filter((r): r is MoRecord => r !== null);
  return {
    records,
    total: count(data.total) ?? records.length,
    pages: count(data.pages) ?? (records.length > 0 ? 1 : 0),
    current: count(data.current) ?? 1,
  };
}

/** One reply's fields, from recordMo or a push; null without a number (a reply nobody can be attributed to). */
export function readMoRecord(row: Fields): MoRecord | null {
  const number = (scalar(row.number ?? row.mobile) ?? '').trim();
  if (number === '') return null;
  const price = isObject(row.pricedetail) ? row.pricedetail : {};
  const text = (v: unknown) => (scalar(v) ?? '').trim();
  return {
    number,
    sendId: text(row.sendId ?? row.senderId),
    receiveTime: parseGatewayTime(row.receiveTime ?? row.timestamp),
    // The content is kept as sent, spaces included: keyword matching decides what counts, not the parser.
    content: scalar(row.content) ?? '',
    mcc: text(row.mcc),
    mnc: text(row.mnc),
    operator: text(row.operator),
    ...(text(price.pay) ? { pay: text(price.pay) } : {}),
    ...(text(price.currency) ? { currency: text(price.currency) } : {}),
  };
}

/** A reply's text at most: a long reply is a few concatenated segments (153 characters each), far below this. */
export const MO_CONTENT_MAX_LENGTH = 4096;
/** Its other fields (sendId, mcc, mnc, operator, pay, currency) at most: each is a code or a short name. */
export const MO_FIELD_MAX_LENGTH = 64;

/**
 * Why a pushed reply is not stored, or null: a number that is not a phone number (numbers are kept normalised,
 * as everywhere else), a text or field over its limit, a time out of range. Checked before anything is written.
 */
export function moRecordProblem(r: MoRecord, receivedAt: number): string | null {
  const number = normalizeNumber(r.number);
  if (!number.ok) return `number: ${number.reason}`;
  if (r.content.length > MO_CONTENT_MAX_LENGTH) return `content has ${r.content.length} characters; the limit is ${MO_CONTENT_MAX_LENGTH}`;
  for (const name of ['sendId', 'mcc', 'mnc', 'operator', 'pay', 'currency'] as const) {
    const v = r[name];
    if (v !== undefined && v.length > MO_FIELD_MAX_LENGTH) return `${name} has ${v.length} characters; the limit is ${MO_FIELD_MAX_LENGTH}`;
  }
  return r.receiveTime === null ? null : receivedTimeProblem(r.receiveTime, receivedAt, 'receiveTime');
}
