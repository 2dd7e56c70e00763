import { parseGatewayTime } from './gateway-time';
import { count, isObject, scalar, type Fields } from './json-fields';

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
