import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CuttingProxy {
  /** The simulator's base URL through the proxy (set SMS_API_BASE_URL to it). */
  readonly baseUrl: string;
  /** sendSms calls cut so far. */
  readonly cut: number;
  setCutRate(rate: number): void;
  /** The next `n` sendSms calls are cut whatever the rate: a test that needs some cut calls gets them. */
  cutNext(n: number): void;
  /** The next `n` getSentRcd queries are answered HTTP 500, as a gateway having a bad moment. */
  failQueries(n: number): void;
  close(): Promise<void>;
}

/**
 * A network fault the simulator cannot play by itself: a sendSms call that is read, never forwarded, and
 * answered by a dropped connection. The client cannot tell it from a call the gateway took and then lost the
 * answer of (both are `unknown`), but the gateway has no record of it: settling must find it `not-sent`.
 * Everything else is forwarded unchanged.
 */
export async function startCuttingProxy(simBaseUrl: string, cutRate: number): Promise<CuttingProxy> {
  const target = new URL(simBaseUrl);
  let rate = cutRate;
  let cut = 0;
  let failing = 0;
  let cutting = 0;
  const server = createServer((req, res) => {
    if (failing > 0 && /\/getSentRcd$/.test((req.url ?? '').split('?')[0])) {
      failing--;
      res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>500 Internal Server Error</h1>');
      return;
    }
    const isSend = req.method === 'POST' && /\/sendSms$/.test((req.url ?? '').split('?')[0]);
    if (isSend && (cutting > 0 || Math.random() < rate)) {
      if (cutting > 0) cutting--;
      cut++;
      req.resume();
      req.on('end', () => req.socket.destroy());
      return;
    }
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer: IncomingMessage) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${target.pathname}`,
    get cut() {
      return cut;
    },
    setCutRate(r) {
      rate = r;
    },
    cutNext(n) {
      cutting = n;
    },
    failQueries(n) {
      failing = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
