import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../shared/logger';
import { handleControlRoute } from './control-routes';
import { readBody, sendError, sendHtml, sendJson } from './http-io';
import { decideQuery, decideRecordMo, QUERY_PATH, type QueryName, type QueryReply } from './query-routes';
import { ReplyPusher } from './reply-pusher';
import { ReportPusher } from './report-pusher';
import { decideSendSms, decideSendSmsBatch, type Reply } from './send-sms';
import type { SimulatorState } from './state';

/** Any path ending in /sendSms: the vendor's samples use /sms/sendSms, /sendSms and /sms//sendSms. */
const SEND_SMS_PATH = /\/sendSms$/;
/** sendSms/batch: many texts in one call. */
const SEND_SMS_BATCH_PATH = /\/sendSms\/batch$/;

/**
 * One gateway account served by the simulator: its state, its report and reply pushers, and the answers to its
 * gateway calls and control routes. The server only picks the account a request is for.
 */
export class SimulatedAccount {
  // Latency timers are cleared on close: a pending one would keep the process (or a jest worker) alive.
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pusher: ReportPusher;
  private readonly replyPusher: ReplyPusher;

  constructor(
    readonly state: SimulatorState,
    private readonly log: Logger,
    reportConcurrency: number,
  ) {
    this.pusher = new ReportPusher(state, log, reportConcurrency);
    this.replyPusher = new ReplyPusher(state, log);
  }

  /** Answers a call to the gateway's API; `path` may carry any prefix, as the vendor's samples do. */
  serveGateway(req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void> | void {
    const queryName = QUERY_PATH.exec(path)?.[1] as QueryName | undefined;
    if (queryName === 'recordMo') {
      if (req.method !== 'POST') return sendError(res, 405, 'recordMo is simulated for POST only', { Allow: 'POST' });
      return this.handleRecordMo(req, res);
    }
    if (queryName !== undefined) {
      if (req.method !== 'GET') return sendError(res, 405, `${queryName} is simulated for GET only`, { Allow: 'GET' });
      return this.handleQuery(req, res, queryName, query);
    }
    const batch = SEND_SMS_BATCH_PATH.test(path);
    if (!batch && !SEND_SMS_PATH.test(path)) return sendError(res, 404, `no route ${req.method} ${path}`);
    if (req.method !== 'POST') return sendError(res, 405, 'sendSms is simulated for POST only', { Allow: 'POST' });
    return this.handleSendSms(req, res, batch ? decideSendSmsBatch : decideSendSms);
  }

  /** Answers a control route; `route` is what follows the account's control prefix ("stats", "faults", …). */
  serveControl(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
    return handleControlRoute(this.state, req, res, route, (replies) => this.replyPusher.push(replies));
  }

  /** Stops the pushers and the latency timers; the server destroys the sockets of calls still open. */
  close(): void {
    this.pusher.close();
    this.replyPusher.close();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async handleSendSms(req: IncomingMessage, res: ServerResponse, decide: typeof decideSendSms): Promise<void> {
    const { state } = this;
    const raw = await readBody(req);
    if (raw === 'aborted') return;
    const { reply, accepted, refused } =
      raw === 'too-large'
        ? { reply: { kind: 'http', statusCode: 413, reason: 'body too large' } as const, accepted: 0, refused: 0 }
        : decide(state, req.headers, raw);
    state.stats.record(reply, accepted, refused);
    this.log.debug({ reply: reply.kind === 'json' ? reply.answer.status : reply.kind, accepted, refused }, 'sendSms call');
    // The call is decided (and its messages accepted) before the delay, as on a slow gateway: a client that
    // gives up while waiting has still sent its messages.
    const f = state.faults;
    const delay = f.latencyMs + Math.random() * f.latencyJitterMs;
    if (delay <= 0) return answer(req, res, reply);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      answer(req, res, reply);
    }, delay);
    this.timers.add(timer);
  }

  private async handleRecordMo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (raw === 'aborted') return;
    const reply: QueryReply =
      raw === 'too-large' ? { kind: 'http', statusCode: 413, reason: 'body too large' } : decideRecordMo(this.state, req.headers, raw);
    this.state.stats.recordQuery('recordMo', reply);
    this.log.debug({ query: 'recordMo', reply: reply.kind === 'json' ? reply.answer.status : reply.statusCode }, 'query call');
    answer(req, res, reply);
  }

  private handleQuery(req: IncomingMessage, res: ServerResponse, name: Exclude<QueryName, 'recordMo'>, query: string): void {
    const reply = decideQuery(this.state, name, req.headers, new URLSearchParams(query));
    this.state.stats.recordQuery(name, reply);
    this.log.debug({ query: name, reply: reply.kind === 'json' ? reply.answer.status : reply.statusCode }, 'query call');
    answer(req, res, reply);
    // The request may carry a body nobody reads; draining it keeps the keep-alive socket usable.
    req.resume();
  }
}

function answer(req: IncomingMessage, res: ServerResponse, reply: Reply | QueryReply): void {
  switch (reply.kind) {
    case 'json':
      return sendJson(res, 200, reply.answer);
    case 'http':
      if (reply.statusCode === 500) return sendHtml(res, 500, '500 Internal Server Error');
      if (reply.statusCode === 429) return sendHtml(res, 429, '429 Too Many Requests', { 'Retry-After': '1' });
      return sendError(res, reply.statusCode, reply.reason);
    case 'garbage':
      return sendHtml(res, 200, 'Welcome');
    case 'reset':
      req.socket.destroy();
      return;
    case 'hang':
      return; // the socket stays open until the client gives up or close() destroys it
  }
}
