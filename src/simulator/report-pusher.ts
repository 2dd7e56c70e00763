import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../shared/logger';
import { reportBody, type ReportBody } from './report-body';
import type { DueReport } from './report-queue';
import type { SimulatorState } from './state';

/** POSTs in flight at once, as a gateway's push workers would allow: enough for 20,000 reports in seconds. */
export const DEFAULT_PUSH_CONCURRENCY = 16;
/** A receiver that has not answered in this time counts as a failed push. */
const PUSH_TIMEOUT_MS = 10_000;
/** Reports handled per turn of the event loop, so that a million due at once never block the simulator. */
const REPORTS_PER_TURN = 10_000;

/**
 * Pushes due delivery reports to faults.reportUrl as the gateway's pushSmsReport does: one timer armed for the
 * earliest due report, bounded concurrency over keep-alive sockets, no retries (the vendor documents none, so
 * receivers must cope with a report that never comes). HTTP 200 counts as received; anything else is a failure.
 */
export class ReportPusher {
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private readonly requests = new Set<http.ClientRequest>();
  private readonly agents: { http: http.Agent; https: https.Agent };
  private closed = false;

  constructor(
    private readonly state: SimulatorState,
    private readonly log: Logger,
    private readonly concurrency = DEFAULT_PUSH_CONCURRENCY,
  ) {
    const opts = { keepAlive: true, maxSockets: concurrency };
    this.agents = { http: new http.Agent(opts), https: new https.Agent(opts) };
    state.reports.onEarliest = (dueAt) => this.arm(dueAt);
    this.arm(state.reports.nextDue());
  }

  /** Stops pushing: clears the timer, aborts posts in flight and closes their sockets. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.state.reports.onEarliest = undefined;
    for (const req of this.requests) req.destroy();
    this.requests.clear();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private arm(dueAt: number): void {
    if (this.closed || dueAt >= this.armedFor) return;
    clearTimeout(this.timer);
    this.armedFor = dueAt;
    // Unref'd: reports still to come must not keep a finished process (or a test) alive on their own.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.armedFor = Infinity;
        this.drain();
      },
      Math.max(0, dueAt - Date.now()),
    ).unref();
  }

  /** Sends what is due, as far as the concurrency allows; a settled POST calls it again. */
  private drain(): void {
    const { reports, faults, stats } = this.state;
    const now = Date.now();
    let budget = REPORTS_PER_TURN;
    while (reports.nextDue() <= now && this.requests.size < this.concurrency) {
      if (budget <= 0) return this.arm(now);
      const url = faults.reportUrl;
      const batch: DueReport[] = [];
      while (batch.length < faults.reportBatchSize && reports.nextDue() <= now && budget-- > 0) {
        const due = reports.pop()!;
        if (due.copy === 'lost' || url === null) stats.reportsWithheld(1);
        else batch.push(due);
      }
      if (url !== null && batch.length > 0) this.post(url, batch, faults.reportBatchSize > 1);
    }
    if (this.requests.size < this.concurrency) this.arm(reports.nextDue());
  }

  private post(url: string, batch: DueReport[], asArray: boolean): void {
    const { state } = this;
    const generation = state.generation;
    const bodies: ReportBody[] = batch.map((due) => reportBody(state.credentials.appId, state.ledger.entryAt(due.index)));
    const payload = JSON.stringify(asArray ? bodies : bodies[0]);
    const duplicates = batch.filter((due) => due.copy === 'duplicate').length;
    state.stats.pushStarted(batch.length);

    let settled = false;
    const settle = (received: boolean, detail: object) => {
      if (settled) return;
      settled = true;
      this.requests.delete(req);
      if (this.closed || generation !== state.generation) return;
      state.stats.pushSettled(batch.length, duplicates, received);
      if (received) for (const due of batch) state.ledger.recordPush(due.index);
      else this.log.debug({ reports: batch.length, ...detail }, 'report push failed; not retried');
      this.drain();
    };

    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    const req = transport.request(target, {
      method: 'POST',
      agent: target.protocol === 'https:' ? this.agents.https : this.agents.http,
      headers: { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(payload) },
      timeout: PUSH_TIMEOUT_MS,
    });
    this.requests.add(req);
    req.on('response', (res) => {
      res.resume(); // the body means nothing to the gateway; reading it frees the socket for the next push
      res.on('end', () => settle(res.statusCode === 200, { httpStatus: res.statusCode }));
      res.on('error', (err) => settle(false, { err }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${PUSH_TIMEOUT_MS} ms`)));
    req.on('error', (err) => settle(false, { err }));
    req.end(payload);
  }
}
