import type { IncomingHttpHeaders } from 'node:http';
import { roll } from './faults';
import { refuseUnsigned } from './signed-request';
import type { SimulatorState } from './state';

/** The gateway's answer, exactly as documented: every count is a string, `array` only on status "0". */
export interface SendSmsAnswer {
  status: string;
  reason: string;
  success: string;
  fail: string;
  array?: Array<{ msgId: string; number: string; orderId: string }>;
}

/**
 * What the server should do with a call. `json` is the gateway's HTTP 200 answer; `http` is an answer that is
 * not the gateway's JSON (the simulator's own 400, or an injected 500/429); the other three are faults that
 * leave the client not knowing what happened.
 */
export type Reply =
  | { kind: 'json'; answer: SendSmsAnswer }
  | { kind: 'http'; statusCode: number; reason: string }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'garbage' };

export interface Decision {
  reply: Reply;
  /** Messages appended to the ledger by this call. */
  accepted: number;
  refused: number;
}

/** One text to some numbers: a sendSms body, or one element of a sendSms/batch body's `array`. */
interface SendSmsBody {
  appId?: string;
  numbers?: string;
  content?: string;
  senderId?: string;
  orderId?: string;
}

const NUMBER = /^\d{6,15}$/;
/** Numbers per call, in total over a batch call's elements (the gateway's documented limit for sendSms/batch). */
const MAX_NUMBERS = 1000;
const MAX_CONTENT_CHARS = 1024;
const MAX_SENDER_ID_CHARS = 32;
/** A body's string fields; appId first (it is the call's, not an element's). */
const FIELDS = ['appId', 'numbers', 'content', 'senderId', 'orderId'] as const;

/** sendSms: one text to up to 1000 numbers. */
export function decideSendSms(state: SimulatorState, headers: IncomingHttpHeaders, rawBody: string): Decision {
  return decide(state, headers, rawBody, (record) => {
    const wrong = FIELDS.find((k) => record[k] !== undefined && typeof record[k] !== 'string');
    if (wrong !== undefined) return `${wrong} must be a string (numbers and orderId are comma-separated)`;
    return { appId: record.appId as string | undefined, elements: [record] };
  });
}

/** sendSms/batch: `array` of elements, each one text to some numbers, checked as sendSms checks its one. */
export function decideSendSmsBatch(state: SimulatorState, headers: IncomingHttpHeaders, rawBody: string): Decision {
  return decide(state, headers, rawBody, (record) => {
    if (record.appId !== undefined && typeof record.appId !== 'string') return 'appId must be a string';
    if (!Array.isArray(record.array)) return 'array must be a list of {numbers, content, senderId, orderId}';
    for (const e of record.array as unknown[]) {
      if (e === null || typeof e !== 'object' || Array.isArray(e)) return 'each element of array must be an object';
      const wrong = notAString(e as Record<string, unknown>);
      if (wrong !== undefined) return `array[].${wrong} must be a string`;
    }
    return { appId: record.appId, elements: record.array as SendSmsBody[] };
  });
}

/**
 * The first of an element's fields that is given but not a string. Named one by one rather than looped over
 * FIELDS: a batch call has up to 1000 elements, and a computed property read each costs more than all the rest.
 */
function notAString(e: Record<string, unknown>): string | undefined {
  if (e.numbers !== undefined && typeof e.numbers !== 'string') return 'numbers';
  if (e.content !== undefined && typeof e.content !== 'string') return 'content';
  if (e.senderId !== undefined && typeof e.senderId !== 'string') return 'senderId';
  if (e.orderId !== undefined && typeof e.orderId !== 'string') return 'orderId';
  return undefined;
}

/** A comma-separated list; most sendSms/batch elements hold one number, and split() costs 8 times a plain test then. */
const list = (s: string): string[] => (s.includes(',') ? s.split(',') : [s]);

type ParsedCall = { appId?: string; elements: SendSmsBody[] };
/** One element as checked and sent: its numbers and orderIds split. */
type Element = { numbers: string[]; orderIds?: string[]; content: string; senderId?: string };

/**
 * Decides the answer to one call and, when messages are accepted, appends them to the ledger (each with its own
 * text and delivery fate) and charges the balance. Checks run in the order a gateway plausibly runs them:
 * infrastructure faults, body, auth, clock, account-wide faults, content, numbers, words, balance. Both endpoints
 * share them, so that a batch call meets exactly the checks, limits and faults of sendSms.
 */
function decide(
  state: SimulatorState,
  headers: IncomingHttpHeaders,
  rawBody: string,
  read: (record: Record<string, unknown>) => ParsedCall | string,
): Decision {
  const f = state.faults;
  if (roll(f.http500Rate)) return http(500, 'injected HTTP 500');
  if (roll(f.http429Rate)) return http(429, 'injected HTTP 429');

  const record = parseObject(rawBody);
  if (typeof record === 'string') return http(400, record);
  const call = read(record);
  if (typeof call === 'string') return http(400, call);
  // Plain loops over the elements, not a closure each: a sendSms/batch call has up to 1000 of them.
  const elements: Element[] = new Array(call.elements.length);
  let total = 0;
  for (let k = 0; k < call.elements.length; k++) {
    const e = call.elements[k];
    elements[k] = {
      numbers: e.numbers ? list(e.numbers) : [],
      // An empty orderId counts as none given, as it would for any optional string field.
      orderIds: e.orderId ? list(e.orderId) : undefined,
      content: e.content ?? '',
      senderId: e.senderId,
    };
    total += elements[k].numbers.length;
  }
  const refuse = (status: string, reason: string): Decision => ({
    reply: { kind: 'json', answer: { status, reason, success: '0', fail: String(total) } },
    accepted: 0,
    refused: 0,
  });

  const refusal = refuseUnsigned(state, headers, call.appId);
  if (refusal !== null) return refuse(refusal.status, refusal.reason);
  if (f.forceStatus !== null) return refuse(f.forceStatus, 'status forced by the simulator');
  if (roll(f.transientRate)) return refuse('-18', 'port program exception');

  if (elements.length === 0) return refuse('-8', 'numbers are empty');
  for (const e of elements) {
    if (e.content === '') return refuse('-4', 'content is empty');
    // Code points never outnumber UTF-16 units: only a long text needs counting.
    if (e.content.length > MAX_CONTENT_CHARS && [...e.content].length > MAX_CONTENT_CHARS) return refuse('-5', 'content is too long');
    // Undocumented on purpose: a real gateway may answer a status outside the table, and clients must cope.
    if (e.senderId !== undefined && e.senderId.length > MAX_SENDER_ID_CHARS && [...e.senderId].length > MAX_SENDER_ID_CHARS) {
      return refuse('-1001', 'senderId too long');
    }
  }
  // Each check over every element before the next, in the order a gateway plausibly runs them.
  for (const e of elements) if (e.numbers.length === 0) return refuse('-8', 'numbers are empty');
  if (total > MAX_NUMBERS) return refuse('-7', 'too many numbers');
  for (const e of elements)
    if (e.orderIds !== undefined && e.orderIds.length !== e.numbers.length) return refuse('-7', 'orderId count does not match numbers');
  // Like the real gateway, the answer does not say which number is abnormal.
  for (const e of elements) {
    for (const n of e.numbers) if (!NUMBER.test(n) || state.isAbnormal(n)) return refuse('-9', 'number abnormal');
  }
  for (const e of elements) if (state.hasSensitiveWord(e.content)) return refuse('-3', 'content contains sensitive words');
  if (total > f.balance) return refuse('-10', 'account balance insufficient');

  const array: NonNullable<SendSmsAnswer['array']> = [];
  let refused = 0;
  for (const e of elements) {
    const chargeId = state.chargeFor(e.content);
    for (let i = 0; i < e.numbers.length; i++) {
      const number = e.numbers[i];
      if (state.isRefused(number) || roll(f.refuseRate)) {
        refused += 1;
        continue;
      }
      const orderId = e.orderIds?.[i] ?? '';
      array.push({ msgId: state.accept(number, orderId, e.content, e.senderId ?? '', chargeId), number, orderId });
    }
  }
  state.charge(array.length);
  shuffle(array); // the doc never promises the request's order, so clients must match by number/orderId
  const answer = { status: '0', reason: 'success', success: String(array.length), fail: String(refused), array };
  const accepted = { accepted: array.length, refused };
  if (roll(f.hangRate)) return { reply: { kind: 'hang' }, ...accepted };
  if (roll(f.resetRate)) return { reply: { kind: 'reset' }, ...accepted };
  if (roll(f.garbageRate)) return { reply: { kind: 'garbage' }, ...accepted };
  return { reply: { kind: 'json', answer }, ...accepted };
}

/** The parsed body, or why it is not one (answered with HTTP 400: the real gateway's answer is unknown). */
function parseObject(raw: string): Record<string, unknown> | string {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return 'body is not valid JSON';
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body must be a JSON object';
  return body as Record<string, unknown>;
}

function http(statusCode: number, reason: string): Decision {
  return { reply: { kind: 'http', statusCode, reason }, accepted: 0, refused: 0 };
}

function shuffle<T>(a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}
