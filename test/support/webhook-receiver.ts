import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * What the receiver does with one call: answer with a status, or never answer (the sender times out). A call
 * whose sender went away before the answer was written is recorded as 'aborted': it was not delivered.
 */
export type Answer = number | 'hang' | 'aborted';

/** One POST the receiver got, as it came over the wire. */
export interface WebhookCall {
  id: string;
  timestamp: string;
  signature: string;
  /** The raw body, byte for byte. */
  body: string;
  /** Checked with the reference `standardwebhooks` package on arrival, not with smsq's code. */
  verified: boolean;
  answer: Answer;
}

/** A parsed event as the receiver saw it. */
export interface ReceivedEvent {
  type: string;
  id: string;
  timestamp: string;
  data: { campaignId: string; seq: number } & Record<string, unknown>;
}

/**
 * A backend's webhook endpoint, as a test needs it: a real HTTP server that verifies every call with the
 * reference library, keeps it, and answers what `decide` says (200 unless told); `down()` stops listening on
 * its port (connection refused) until `up()`.
 */
export class WebhookReceiver {
  readonly calls: WebhookCall[] = [];
  decide: (call: WebhookCall, n: number) => Answer = () => 200;
  /** Each answer is written this long after the call arrived (a slow receiver). */
  delayMs = 0;
  /** Calls whose answer is being held by delayMs right now. */
  held = 0;
  private server: Server | null = null;
  private port = 0;
  private readonly verifier: Webhook;

  constructor(
    secret: string,
    private readonly path = '/hooks',
  ) {
    this.verifier = new Webhook(secret);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection, requests held open included. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Calls that were answered 2xx. */
  delivered(): WebhookCall[] {
    return this.calls.filter((c) => typeof c.answer === 'number' && c.answer >= 200 && c.answer < 300);
  }

  /** Each delivered event once, by webhook-id. */
  events(): ReceivedEvent[] {
    const byId = new Map<string, ReceivedEvent>();
    for (const c of this.delivered()) if (!byId.has(c.id)) byId.set(c.id, JSON.parse(c.body) as ReceivedEvent);
    return [...byId.values()];
  }

  /** The distinct bodies each webhook-id came with (one each when the same bytes were sent every time). */
  bodiesById(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const c of this.calls) out.set(c.id, (out.get(c.id) ?? new Set()).add(c.body));
    return out;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => String(req.headers[name] ?? '');
      let verified = true;
      try {
        this.verifier.verify(body, {
          'webhook-id': header('webhook-id'),
          'webhook-timestamp': header('webhook-timestamp'),
          'webhook-signature': header('webhook-signature'),
        });
      } catch {
        verified = false;
      }
      const call: WebhookCall = {
        id: header('webhook-id'),
        timestamp: header('webhook-timestamp'),
        signature: header('webhook-signature'),
        body,
        verified,
        answer: 200,
      };
      call.answer = verified ? this.decide(call, this.calls.length) : 400;
      this.calls.push(call);
      if (call.answer === 'hang' || call.answer === 'aborted') return;
      const status = call.answer;
      const answer = () => {
        if (this.delayMs > 0) this.held--;
        if (req.socket.destroyed) {
          call.answer = 'aborted';
          return;
        }
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(String(status));
      };
      if (this.delayMs > 0) {
        this.held++;
        setTimeout(answer, this.delayMs);
      } else answer();
    });
  }
}

/** A fresh Standard Webhooks secret. */
export function newSecret(): string {
  return `whsec_${Buffer.from(Array.from({ length: 32 }, () => Math.floor(Math.random() * 256))).toString('base64')}`;
}
