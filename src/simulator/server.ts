import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIMULATOR_CREDENTIALS } from '../shared/config';
import { createLogger, type Logger } from '../shared/logger';
import { CONTROL_PREFIX, handleControlRoute } from './control-routes';
import type { Faults } from './faults';
import { readBody, sendError, sendHtml, sendJson } from './http-io';
import type { Ledger } from './ledger';
import { decideQuery, decideRecordMo, QUERY_PATH, type QueryName, type QueryReply } from './query-routes';
import { ReplyPusher } from './reply-pusher';
import { DEFAULT_PUSH_CONCURRENCY, ReportPusher } from './report-pusher';
import { decideSendSms, decideSendSmsBatch, type Reply } from './send-sms';
import { SimulatorState } from './state';
import type { SimulatorStats } from './stats';

export interface SimulatorOptions {
  /** 0 picks a free port. @defaultValue 0 */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** @defaultValue SIMULATOR_CREDENTIALS.apiKey */
  apiKey?: string;
  /** @defaultValue SIMULATOR_CREDENTIALS.apiSecret */
  apiSecret?: string;
  /** @defaultValue SIMULATOR_CREDENTIALS.appId */
  appId?: string;
  /** Includes the delivery-report settings: reportUrl, reportDelayMs, undeliveredRate, … */
  faults?: Partial<Faults>;
  /** Report POSTs in flight at once. @defaultValue 16 */
  reportConcurrency?: number;
  /** @defaultValue a silent logger */
  logger?: Logger;
}

export interface Simulator {
  readonly port: number;
  /** What SMS_API_BASE_URL should be set to, e.g. http://127.0.0.1:4010/sms */
  readonly baseUrl: string;
  readonly ledger: Ledger;
  /** Applies a partial update; throws a RangeError naming every bad field. */
  setFaults(f: Partial<Faults>): void;
  faults(): Faults;
  /** Adds to the balance. */
  topUp(messages: number): void;
  stats(): SimulatorStats;
  /** Closes the server and destroys every open socket, hung calls and report pushes included, so that nothing leaks. */
  close(): Promise<void>;
}

/** Keep-alive sockets outlive typical clients' idle timeouts; headersTimeout must exceed keepAliveTimeout. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const HEADERS_TIMEOUT_MS = 66_000;

/** Any path ending in /sendSms: the vendor's samples use /sms/sendSms, /sendSms and /sms//sendSms. */
const SEND_SMS_PATH = /\/sendSms$/;
/** sendSms/batch: many texts in one call. */
const SEND_SMS_BATCH_PATH = /\/sendSms\/batch$/;

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const state = new SimulatorState(
    {
      apiKey: opts.apiKey ?? SIMULATOR_CREDENTIALS.apiKey,
      apiSecret: opts.apiSecret ?? SIMULATOR_CREDENTIALS.apiSecret,
      appId: opts.appId ?? SIMULATOR_CREDENTIALS.appId,
    },
    opts.faults,
  );
  const log = (opts.logger ?? createLogger('silent')).child({ component: 'simulator' });
  // Latency timers are cleared on close: a pending one would keep the process (or a jest worker) alive.
  const timers = new Set<NodeJS.Timeout>();
  const pusher = new ReportPusher(state, log, opts.reportConcurrency ?? DEFAULT_PUSH_CONCURRENCY);
  const replyPusher = new ReplyPusher(state, log);

  async function handleSendSms(req: IncomingMessage, res: ServerResponse, decide: typeof decideSendSms): Promise<void> {
    const raw = await readBody(req);
    if (raw === 'aborted') return;
    const { reply, accepted, refused } =
      raw === 'too-large'
        ? { reply: { kind: 'http', statusCode: 413, reason: 'body too large' } as const, accepted: 0, refused: 0 }
        : decide(state, req.headers, raw);
    state.stats.record(reply, accepted, refused);
    log.debug({ reply: reply.kind === 'json' ? reply.answer.status : reply.kind, accepted, refused }, 'sendSms call');
    // The call is decided (and its messages accepted) before the delay, as on a slow gateway: a client that
    // gives up while waiting has still sent its messages.
    const f = state.faults;
    const delay = f.latencyMs + Math.random() * f.latencyJitterMs;
    if (delay <= 0) return answer(req, res, reply);
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer(req, res, reply);
    }, delay);
    timers.add(timer);
  }

  async function handleRecordMo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (raw === 'aborted') return;
    const reply: QueryReply =
      raw === 'too-large' ? { kind: 'http', statusCode: 413, reason: 'body too large' } : decideRecordMo(state, req.headers, raw);
    state.stats.recordQuery('recordMo', reply);
    log.debug({ query: 'recordMo', reply: reply.kind === 'json' ? reply.answer.status : reply.statusCode }, 'query call');
    answer(req, res, reply);
  }

  function handleQuery(req: IncomingMessage, res: ServerResponse, name: Exclude<QueryName, 'recordMo'>, query: string): void {
    const reply = decideQuery(state, name, req.headers, new URLSearchParams(query));
    state.stats.recordQuery(name, reply);
    log.debug({ query: name, reply: reply.kind === 'json' ? reply.answer.status : reply.statusCode }, 'query call');
    answer(req, res, reply);
    // The request may carry a body nobody reads; draining it keeps the keep-alive socket usable.
    req.resume();
  }

  const server = createServer((req, res) => {
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    const queryName = QUERY_PATH.exec(path)?.[1] as QueryName | undefined;
    let handled: Promise<void> | void;
    if (path.startsWith(CONTROL_PREFIX)) handled = handleControlRoute(state, req, res, path, (replies) => replyPusher.push(replies));
    else if (queryName === 'recordMo') {
      if (req.method !== 'POST') handled = sendError(res, 405, 'recordMo is simulated for POST only', { Allow: 'POST' });
      else handled = handleRecordMo(req, res);
    } else if (queryName !== undefined) {
      if (req.method !== 'GET') handled = sendError(res, 405, `${queryName} is simulated for GET only`, { Allow: 'GET' });
      else handled = handleQuery(req, res, queryName, query);
    } else if (!SEND_SMS_PATH.test(path) && !SEND_SMS_BATCH_PATH.test(path))
      handled = sendError(res, 404, `no route ${req.method} ${path}`);
    else if (req.method !== 'POST') handled = sendError(res, 405, 'sendSms is simulated for POST only', { Allow: 'POST' });
    else handled = handleSendSms(req, res, SEND_SMS_BATCH_PATH.test(path) ? decideSendSmsBatch : decideSendSms);
    Promise.resolve(handled).catch((err: unknown) => {
      log.error({ err }, 'simulator request failed');
      if (!res.headersSent) sendError(res, 500, 'simulator error');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  log.debug({ port }, 'simulator listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    baseUrl: `http://${host}:${port}/sms`,
    ledger: state.ledger,
    setFaults: (f) => void state.setFaults(f),
    faults: () => state.copyOfFaults(),
    topUp: (messages) => state.topUp(messages),
    stats: () => state.snapshot(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        pusher.close();
        replyPusher.close();
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
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
