import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got: its parsed JSON body, when it arrived, and the path (and query) it was posted to. */
export interface Received {
  body: unknown;
  at: number;
  path: string;
}

/**
 * A customer's endpoint for pushed delivery reports, as a test needs it: it keeps every POST and answers
 * `statusCode` (200 unless told), or holds the request open with `hang`.
 */
export interface ReportReceiver {
  readonly url: string;
  readonly received: Received[];
  statusCode: number;
  hang: boolean;
  /** Report objects received, arrays flattened. */
  reports(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<ReportReceiver> {
  const received: Received[] = [];
  const receiver = {
    url: '',
    received,
    statusCode: 200,
    hang: false,
    reports: () => received.flatMap((r) => (Array.isArray(r.body) ? r.body : [r.body]) as Array<Record<string, unknown>>),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')), at: Date.now(), path: req.url ?? '' });
      if (receiver.hang) return;
      res.writeHead(receiver.statusCode, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dlr`;
  return receiver;
}
