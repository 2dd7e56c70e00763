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

interface SendSmsBody {
  appId?: string;
  numbers?: string;
  content?: string;
  senderId?: string;
  orderId?: string;
}

const NUMBER = /^\d{6,15}$/;
const MAX_NUMBERS = 1000;
const MAX_CONTENT_CHARS = 1024;
const MAX_SENDER_ID_CHARS = 32;
const FIELDS = ['appId', 'numbers', 'content', 'senderId', 'orderId'] as const;

/**
 * Decides the answer to one sendSms call and, when messages are accepted, appends them to the ledger (each with
 * its delivery fate) and charges the balance. Checks run in the order a gateway plausibly runs them: infrastructure faults, body, auth, clock,
 * account-wide faults, content, numbers, words, balance.
 */
export function decideSendSms(state: SimulatorState, headers: IncomingHttpHeaders, rawBody: string): Decision {
  const f = state.faults;
  if (roll(f.http500Rate)) return http(500, 'injected HTTP 500');
  if (roll(f.http429Rate)) return http(429, 'injected HTTP 429');

  const body = parseBody(rawBody);
  if (typeof body === 'string') return http(400, body);
  const numbers = body.numbers ? body.numbers.split(',') : [];
  const refuse = (status: string, reason: string): Decision => ({
    reply: { kind: 'json', answer: { status, reason, success: '0', fail: String(numbers.length) } },
    accepted: 0,
    refused: 0,
  });

  const refusal = refuseUnsigned(state, headers, body.appId);
  if (refusal !== null) return refuse(refusal.status, refusal.reason);
  if (f.forceStatus !== null) return refuse(f.forceStatus, 'status forced by the simulator');
  if (roll(f.transientRate)) return refuse('-18', 'port program exception');

  const content = body.content ?? '';
  if (content === '') return refuse('-4', 'content is empty');
  if ([...content].length > MAX_CONTENT_CHARS) return refuse('-5', 'content is too long');
  // Undocumented on purpose: a real gateway may answer a status outside the table, and clients must cope.
  if (body.senderId !== undefined && [...body.senderId].length > MAX_SENDER_ID_CHARS) {
    return refuse('-1001', 'senderId too long');
  }
  if (numbers.length === 0) return refuse('-8', 'numbers are empty');
  if (numbers.length > MAX_NUMBERS) return refuse('-7', 'too many numbers');
  // An empty orderId counts as none given, as it would for any optional string field.
  const orderIds = body.orderId ? body.orderId.split(',') : undefined;
  if (orderIds !== undefined && orderIds.length !== numbers.length) {
    return refuse('-7', 'orderId count does not match numbers');
  }
  // Like the real gateway, the answer does not say which number is abnormal.
  if (numbers.some((n) => !NUMBER.test(n) || state.isAbnormal(n))) return refuse('-9', 'number abnormal');
  if (state.hasSensitiveWord(content)) return refuse('-3', 'content contains sensitive words');
  if (numbers.length > f.balance) return refuse('-10', 'account balance insufficient');

  const array: NonNullable<SendSmsAnswer['array']> = [];
  let refused = 0;
  const chargeId = state.chargeFor(content);
  numbers.forEach((number, i) => {
    if (state.isRefused(number) || roll(f.refuseRate)) {
      refused += 1;
      return;
    }
    const orderId = orderIds?.[i] ?? '';
    array.push({ msgId: state.accept(number, orderId, content, body.senderId ?? '', chargeId), number, orderId });
  });
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
function parseBody(raw: string): SendSmsBody | string {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return 'body is not valid JSON';
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body must be a JSON object';
  const record = body as Record<string, unknown>;
  const wrong = FIELDS.find((k) => record[k] !== undefined && typeof record[k] !== 'string');
  if (wrong !== undefined) return `${wrong} must be a string (numbers and orderId are comma-separated)`;
  return record as SendSmsBody;
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
