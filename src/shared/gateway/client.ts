import type { AxiosError, AxiosInstance } from 'axios';
import type { ClientRequest } from 'node:http';
import { DEFAULT_ACCOUNT, type Config } from '../config';
import type { Logger } from '../logger';
import { observeGatewayCall } from '../metrics';
import { CONNECT_TIMEOUT_CODE, hasConnected } from './http-agents';
import { createGatewayHttp, DEADLINE_CODE, endedByDeadline } from './http-instance';
import type { JsonText } from './json-text';
import { type GatewayReply, parseReply, snippet } from './parse-reply';
import { sendSmsBatchBody, sendSmsBody } from './send-body';
import { signedHeaders } from './sign';

/** One sendSms call: numbers and orderIds are matched by position, as the gateway requires. */
export interface SendRequest {
  numbers: string[];
  orderIds: string[];
  content: string;
  senderId?: string;
}

/** One element of a sendSms/batch call: one text, already JSON-escaped, to its numbers. */
export interface BatchElement {
  /** Comma-joined, as the gateway takes them (most elements of a personalised call hold one number). */
  numbers: string;
  /** Comma-joined, matched to the numbers by position. */
  orderIds: string;
  text: JsonText;
}

/** One sendSms/batch call: each element is one text to its numbers; at most SMS_BATCH_SIZE numbers in all. */
export interface BatchSendRequest {
  elements: BatchElement[];
  /** Every element's sender id (the campaign's); the configured default when not given. */
  senderId?: string;
}

/**
 * What came back from one call, before any decision is taken on it (that is the outcome table's job).
 * - `reply`: HTTP 200 with the API's JSON.
 * - `http-error`: any other HTTP status; the gateway answered, so nothing was accepted.
 * - `not-json`: HTTP 200 whose body is not the API's JSON: the gateway may have accepted the messages.
 * - `not-sent`: the request never reached the gateway (refused, DNS, connect timeout).
 * - `cut-off`: the request was sent but no complete answer came (deadline, reset): outcome unknowable.
 */
export type CallResult =
  | { kind: 'reply'; reply: GatewayReply }
  | { kind: 'http-error'; httpStatus: number; body: string }
  | { kind: 'not-json'; httpStatus: number; body: string }
  | { kind: 'not-sent'; errorCode: string; message: string }
  | { kind: 'cut-off'; errorCode: string; message: string };

/** Error codes meaning no byte of the request reached the gateway. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  CONNECT_TIMEOUT_CODE,
]);

export class GatewayClient {
  private readonly http: AxiosInstance;
  private readonly agents: ReturnType<typeof createGatewayHttp>['agents'];

  constructor(
    private readonly gateway: Config['gateway'],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** The account the client sends through: its calls are counted under its name. */
    readonly account: string = DEFAULT_ACCOUNT,
  ) {
    ({ http: this.http, agents: this.agents } = createGatewayHttp(gateway, 4 * 1024 * 1024));
  }

  /** Closes the keep-alive sockets to the gateway. */
  close(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }

  /** sendSms: one text to all the numbers. */
  send(req: SendRequest): Promise<CallResult> {
    return this.observed('/sendSms', sendSmsBody(this.gateway.appId, this.gateway.senderId, req), req.numbers.length);
  }

  /**
   * sendSms/batch: several texts in one call. Its answer has sendSms's form (status, counts, `array` of accepted
   * numbers), so the same parser and outcome table read it.
   */
  sendBatch(req: BatchSendRequest): Promise<CallResult> {
    let recipients = 0;
    for (const e of req.elements) recipients += countList(e.numbers);
    return this.observed('/sendSms/batch', sendSmsBatchBody(this.gateway.appId, this.gateway.senderId, req), recipients);
  }

  private async observed(path: string, body: Buffer, recipients: number): Promise<CallResult> {
    const started = performance.now();
    const result = await this.call(path, body, recipients);
    observeGatewayCall(result, (performance.now() - started) / 1000, this.account);
    return result;
  }

  private async call(path: string, body: Buffer, recipients: number): Promise<CallResult> {
    const headers = signedHeaders(this.gateway, this.now(), true);
    const started = Date.now();
    try {
      const res = await this.http.post<string>(path, body, { headers });
      const text = typeof res.data === 'string' ? res.data : '';
      this.log.debug({ path, recipients, httpStatus: res.status, ms: Date.now() - started }, 'gateway answered');
      if (res.status !== 200) return { kind: 'http-error', httpStatus: res.status, body: snippet(text) };
      const reply = parseReply(text);
      return reply ? { kind: 'reply', reply } : { kind: 'not-json', httpStatus: res.status, body: snippet(text) };
    } catch (err) {
      const result = classifyTransportError(err, this.gateway.responseTimeoutMs);
      this.log.debug({ path, recipients, result: result.kind, code: result.errorCode }, 'gateway call failed');
      return result;
    }
  }
}

/**
 * Decides from the error's code and the socket's state whether the request can have reached the gateway: not
 * before its connection opened (TLS included), whatever ended the call; after that, it may have.
 */
export function classifyTransportError(err: unknown, deadlineMs: number): Extract<CallResult, { kind: 'not-sent' | 'cut-off' }> {
  const e = err as AxiosError & { cause?: { code?: string } };
  const deadline = endedByDeadline(err);
  const errorCode = deadline ? DEADLINE_CODE : (e.code ?? e.cause?.code ?? 'EUNKNOWN');
  const message = deadline ? `no complete answer within SMS_RESPONSE_TIMEOUT_MS (${deadlineMs} ms)` : e.message || String(err);
  if (NOT_SENT_CODES.has(errorCode) || NOT_SENT_CODES.has(e.cause?.code ?? '')) return { kind: 'not-sent', errorCode, message };
  const request = e.request as ClientRequest | undefined;
  if (!hasConnected(request?.socket)) return { kind: 'not-sent', errorCode, message };
  return { kind: 'cut-off', errorCode, message };
}

/** Items of a comma-joined list. */
function countList(list: string): number {
  let n = 1;
  for (let at = list.indexOf(','); at !== -1; at = list.indexOf(',', at + 1)) n++;
  return n;
}
