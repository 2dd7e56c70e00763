import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call through the proxy, as its target received it. */
export interface ProxiedCall {
  /** Numbered from 1 in arrival order. */
  id: number;
  method: string;
  /** The path without the query string (`/sms/sendSms`, `/sms/getSentRcd`, `/hooks`). */
  path: string;
  body: string;
}

/**
 * What happened, in order: a call arrived (`request`), its answer was written whole (`answered`), or its client
 * went away before that (`client-gone`: the client gave up on a dripping answer).
 */
export interface ProxyEvent {
  call: number;
  path: string;
  kind: 'request' | 'answered' | 'client-gone';
}

export interface AnswerProxy {
  /** The target's base URL through the proxy (set SMS_API_BASE_URL, or a webhook URL, to it). */
  readonly baseUrl: string;
  readonly events: readonly ProxyEvent[];
  /** Every call so far, with its body. */
  readonly calls: readonly ProxiedCall[];
  /**
   * Calls for which `match` is true are forwarded (the target acts on them: the simulator's ledger records what
   * it accepted), then answered with headers at once and a space every `everyMs`, for ever: the answer never
   * ends. `null` stops choosing calls to drip; those dripping go on until their client leaves.
   */
  drip(match: ((call: ProxiedCall) => boolean) | null, everyMs?: number): void;
  /** Each answer to a call `match` picks is replaced by what `body` makes of it (the target acted on the call all the same). */
  rewrite(match: ((call: ProxiedCall) => boolean) | null, body?: (answer: string, call: ProxiedCall) => string): void;
  close(): Promise<void>;
}

type Forwarded = { status: number; headers: IncomingHttpHeaders; body: string };

/**
 * A gateway (or webhook receiver) that misbehaves in ways its own code cannot: an answer that starts and never
 * ends, or an answer that says something else than what the target did. Everything else is forwarded unchanged.
 */
export async function startAnswerProxy(targetBaseUrl: string): Promise<AnswerProxy> {
  const target = new URL(targetBaseUrl);
  const events: ProxyEvent[] = [];
  const calls: ProxiedCall[] = [];
  const drips = new Set<NodeJS.Timeout>();
  let dripping: { match: (call: ProxiedCall) => boolean; everyMs: number } | null = null;
  let rewriting: { match: (call: ProxiedCall) => boolean; body: (answer: string, call: ProxiedCall) => string } | null = null;

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<Forwarded>((resolve, reject) => {
      const out = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () =>
            resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks).toString('utf8') }),
          );
          answer.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const drip = (res: ServerResponse, call: ProxiedCall, everyMs: number) => {
    res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' });
    res.flushHeaders();
    const timer = setInterval(() => res.write(' '), everyMs);
    drips.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      drips.delete(timer);
      events.push({ call: call.id, path: call.path, kind: 'client-gone' });
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const call: ProxiedCall = {
        id: calls.length + 1,
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0],
        body: raw.toString('utf8'),
      };
      calls.push(call);
      events.push({ call: call.id, path: call.path, kind: 'request' });
      const dripNow = dripping?.match(call) ? dripping.everyMs : null;
      const rewriteNow = rewriting?.match(call) ? rewriting.body : null;
      forward(req, raw).then(
        (answer) => {
          if (dripNow !== null) return drip(res, call, dripNow);
          const body = rewriteNow ? rewriteNow(answer.body, call) : answer.body;
          const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(body)) };
          delete headers['transfer-encoding'];
          res.writeHead(answer.status, headers).end(body, () => events.push({ call: call.id, path: call.path, kind: 'answered' }));
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${target.pathname}`,
    events,
    calls,
    drip(match, everyMs = 100) {
      dripping = match ? { match, everyMs } : null;
    },
    rewrite(match, body) {
      rewriting = match && body ? { match, body } : null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of drips) clearInterval(t);
        drips.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
