/**
 * The gateway, scripted: each call gets the next answer of the script (or the default, accepting everyone), and the
 * gateway keeps a ledger of every call and of every number it may have taken — accepted, or called with its answer
 * lost — which is what "sent at most once" is checked against. Typed by Pick<GatewayClient> and
 * Pick<GatewayQueries>, so that a change of the real signatures breaks this file at compile time.
 */
import type { CallGateways } from '../../../src/shared/accounts/gateways';
import { defaultAccount } from '../../../src/shared/config/accounts';
import type { GatewayAccount, GatewayConfig } from '../../../src/shared/config';
import type { BatchSendRequest, CallResult, GatewayClient, SendRequest } from '../../../src/shared/gateway/client';
import type { AcceptedEntry, GatewayReply } from '../../../src/shared/gateway/parse-reply';
import type { GatewayQueries, QueryResult, SentRcdAnswer, SentRcdWindow, SentRecord } from '../../../src/shared/gateway/queries';
import { SENT_RCD_PAGE_ROWS } from '../../../src/shared/gateway/queries';

/** One call as the gateway got it: each recipient's number, orderId and text, in the request's order. */
export interface GatewayCall {
  path: '/sendSms' | '/sendSms/batch';
  numbers: string[];
  orderIds: string[];
  texts: string[];
}

/**
 * What the gateway does with a call: its answer. An answer that takes the messages issues their msgIds
 * (`gateway.issue`), whether or not smsq gets to read them: a cut-off call may come from a gateway that sent.
 */
export type Answer = (call: GatewayCall, gateway: FakeGateway) => CallResult | Promise<CallResult>;

/** The error a `crash()` answer throws out of the processor: the worker died while the call was out. */
export class WorkerCrash extends Error {
  override readonly name = 'WorkerCrash';
}

export class FakeGateway implements Pick<GatewayClient, 'send' | 'sendBatch'> {
  readonly calls: GatewayCall[] = [];
  /** Every msgId the gateway gave, by number: its own record of what it sent (getSentRcd reads it). */
  readonly sent: SentRecord[] = [];
  private readonly script: Answer[] = [];
  private nextMsgId = 1;

  constructor(private readonly otherwise: Answer = accept()) {}

  /** The next calls get these answers, in order; then the default one. */
  answer(...answers: Answer[]): this {
    this.script.push(...answers);
    return this;
  }

  send(req: SendRequest): Promise<CallResult> {
    return this.call({ path: '/sendSms', numbers: req.numbers, orderIds: req.orderIds, texts: req.numbers.map(() => req.content) });
  }

  sendBatch(req: BatchSendRequest): Promise<CallResult> {
    const call: GatewayCall = { path: '/sendSms/batch', numbers: [], orderIds: [], texts: [] };
    for (const e of req.elements) {
      const numbers = e.numbers.split(',');
      call.numbers.push(...numbers);
      call.orderIds.push(...e.orderIds.split(','));
      call.texts.push(...numbers.map(() => JSON.parse(`"${e.text}"`) as string));
    }
    return this.call(call);
  }

  /** A new msgId, recorded as sent to `number` (what getSentRcd will list). */
  issue(number: string): string {
    const msgId = `m${this.nextMsgId++}`;
    this.sent.push({ msgId, number, receiveTime: Date.now(), rawStatus: '0' });
    return msgId;
  }

  /** This object where a unit wants a GatewayClient: it has the two methods units call (its HTTP parts are private). */
  asClient(): GatewayClient {
    return this as unknown as GatewayClient;
  }

  /** Every account's calls, answered by this one gateway (unit tests of one account), each account as configured. */
  asGateways(accounts: readonly GatewayAccount[] = [defaultAccountOf()]): CallGateways {
    return {
      client: () => this.asClient(),
      account: (name) => accounts.find((a) => a.name === name) ?? { ...defaultAccountOf(), name },
    };
  }

  /** How many calls named `number`, whatever their answer. */
  callsWith(number: string): number {
    return this.calls.filter((c) => c.numbers.includes(number)).length;
  }

  /** How many times the gateway may have sent to `number`: at most once, for smsq's guarantee to hold. */
  taken(number: string): number {
    return this.sent.filter((s) => s.number === number).length;
  }

  private async call(call: GatewayCall): Promise<CallResult> {
    this.calls.push(call);
    const answer = this.script.shift() ?? this.otherwise;
    return answer(call, this);
  }
}

function reply(fields: Partial<GatewayReply> & Pick<GatewayReply, 'status'>): CallResult {
  return {
    kind: 'reply',
    reply: { reason: '', success: null, fail: null, accepted: null, malformed: 0, malformedMsgIds: [], unreadableCounts: false, ...fields },
  };
}

/** Status 0, every number accepted with a msgId of its own, except those `refuse` names (listed as failed). */
export function accept(refuse: ReadonlySet<string> = new Set()): Answer {
  return (call, gateway) => {
    const accepted: AcceptedEntry[] = [];
    call.numbers.forEach((number, j) => {
      if (!refuse.has(number)) accepted.push({ msgId: gateway.issue(number), number, orderId: call.orderIds[j] });
    });
    return reply({ status: '0', success: accepted.length, fail: call.numbers.length - accepted.length, accepted });
  };
}

/** A non-zero status: nothing taken. -18 (retry later), -9 (a number refused), -10 (account stop), -3 (content)… */
export function status(code: string, reason = ''): Answer {
  return () => reply({ status: code, reason });
}

/** -9 while the call holds one of `refused`, else every number accepted: how the gateway isolates a bad number. */
export function refuseNumbers(refused: ReadonlySet<string>): Answer {
  const refuse = status('-9', 'number abnormal');
  const rest = accept();
  return (call, gateway) => (call.numbers.some((n) => refused.has(n)) ? refuse(call, gateway) : rest(call, gateway));
}

/** The request was sent and no answer came back (a reset, SMS_RESPONSE_TIMEOUT_MS); `took`: whether the gateway sent them. */
export function cutOff(took = true, errorCode = 'ECONNRESET'): Answer {
  return (call, gateway) => {
    if (took) call.numbers.forEach((n) => gateway.issue(n));
    return { kind: 'cut-off', errorCode, message: 'no complete answer' };
  };
}

/** The request never reached the gateway (connection refused). */
export function notSent(): Answer {
  return () => ({ kind: 'not-sent', errorCode: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
}

/** The gateway took the messages and the worker died before the answer came: the call stays recorded in flight. */
export function crash(): Answer {
  return (call, gateway) => {
    call.numbers.forEach((n) => gateway.issue(n));
    throw new WorkerCrash('the worker died while its call was out');
  };
}

/**
 * getSentRcd over the gateway's own record (what FakeGateway.sent holds, or what a test puts there), paged as
 * the gateway pages it; `fail` makes every query answer with that failure instead.
 */
export class FakeQueries implements Pick<GatewayQueries, 'getSentRcd'> {
  fail: Exclude<QueryResult<SentRcdAnswer>, { ok: true }> | null = null;
  readonly windows: SentRcdWindow[] = [];

  constructor(private readonly records: () => readonly SentRecord[]) {}

  /** This object where a unit wants GatewayQueries: it has the one method settling calls. */
  asQueries(): GatewayQueries {
    return this as unknown as GatewayQueries;
  }

  async getSentRcd(window: SentRcdWindow): Promise<QueryResult<SentRcdAnswer>> {
    this.windows.push(window);
    if (this.fail) return this.fail;
    const inWindow = this.records().filter(
      (r) => r.receiveTime !== null && r.receiveTime >= window.start.getTime() && r.receiveTime <= window.end.getTime(),
    );
    return { ok: true, value: { records: inWindow.slice(window.startIndex, window.startIndex + SENT_RCD_PAGE_ROWS) } };
  }
}

function defaultAccountOf(): GatewayAccount {
  return defaultAccount({ baseUrl: 'http://127.0.0.1:9', apiKey: '', apiSecret: '', appId: '' } as GatewayConfig);
}
