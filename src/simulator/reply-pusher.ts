import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../shared/logger';
import type { MoBody } from './replies';
import type { SimulatorState } from './state';

/** A receiver that has not answered in this time counts as a failed push. */
const PUSH_TIMEOUT_MS = 10_000;

/**
 * Pushes replies to faults.replyUrl the moment they are injected, one reply per POST as the reference says, with
 * no signature and no retry (a receiver must cope with a push that never comes: the poller finds it later).
 */
export class ReplyPusher {
  private readonly requests = new Set<http.ClientRequest>();
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private closed = false;

  constructor(
    private readonly state: SimulatorState,
    private readonly log: Logger,
  ) {}

  /** Sends each reply to the replyUrl of this moment; how many POSTs were started (0 without a replyUrl). */
  push(replies: MoBody[]): number {
    const url = this.state.faults.replyUrl;
    if (url === null || this.closed) return 0;
    for (const reply of replies) this.post(url, reply);
    return replies.length;
  }

  close(): void {
    this.closed = true;
    for (const req of this.requests) req.destroy();
    this.requests.clear();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private post(url: string, reply: MoBody): void {
    const payload = JSON.stringify(reply);
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const req = (secure ? https : http).request(target, {
      method: 'POST',
      agent: secure ? this.agents.https : this.agents.http,
      headers: { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(payload) },
      timeout: PUSH_TIMEOUT_MS,
    });
    this.requests.add(req);
    const settle = (detail: object) => {
      this.requests.delete(req);
      this.log.debug({ ...detail }, 'reply push settled; not retried');
    };
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => settle({ httpStatus: res.statusCode }));
      res.on('error', (err) => settle({ err }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${PUSH_TIMEOUT_MS} ms`)));
    req.on('error', (err) => settle({ err }));
    req.end(payload);
  }
}
