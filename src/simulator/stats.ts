import type { Ledger } from './ledger';
import { formatMicrosFixed, GATEWAY_DECIMALS } from '../shared/delivery/money';
import type { QueryName, QueryReply } from './query-routes';
import type { Reply } from './send-sms';

/**
 * Counters since start or the last reset. Every sendSms call lands in exactly one of `callsByStatus`, `hung`,
 * `reset` or `garbage`, so they add up to `calls`. `callsByStatus` keys are the gateway status for JSON answers
 * ("0", "-18", …) and `http:<code>` for answers that are not the gateway's JSON (500, 429, 400, 413, 405).
 *
 * Report counters count report copies (a duplicated report is two copies): every copy ends in exactly one of
 * `reportsPushed`, `pushFailures` and `reportsWithheld`, or is still in `reportsPending`, so once none is pending
 * they add up to `accepted` plus the duplicate copies.
 */
export interface SimulatorStats {
  calls: number;
  callsByStatus: Record<string, number>;
  /** Messages accepted into the ledger (including those of hung, reset and garbage calls). */
  accepted: number;
  /** See Ledger.duplicates(). */
  duplicates: number;
  /** Numbers left out of a successful answer by refuseRate or refuseNumbers. */
  refused: number;
  hung: number;
  reset: number;
  garbage: number;
  /** Accepted messages whose final status is (or will be, at reportAt) delivered, and failed. */
  delivered: number;
  undelivered: number;
  /** Total pay of all accepted messages by currency, as decimal strings: what a campaign should cost. */
  cost: Record<string, string>;
  /** Report copies received with HTTP 200, duplicates included. */
  reportsPushed: number;
  /** Of reportsPushed, second copies. */
  reportsDuplicated: number;
  /** Copies never sent: lost (reportLossRate), or due while reportUrl was null. */
  reportsWithheld: number;
  /** Copies whose POST failed (not HTTP 200, or no answer); never retried, as the vendor documents none. */
  pushFailures: number;
  /** Copies not yet due, or being posted. */
  reportsPending: number;
  /** getReport, getSentRcd and getBalance calls by endpoint, then by answered status (as callsByStatus). */
  queries: Partial<Record<QueryName, Record<string, number>>>;
}

type ReportCounters = Pick<SimulatorStats, 'reportsPushed' | 'reportsDuplicated' | 'reportsWithheld' | 'pushFailures'>;

export class StatsCounter {
  private calls = 0;
  private byStatus: Record<string, number> = {};
  private accepted = 0;
  private refused = 0;
  private ends = { hung: 0, reset: 0, garbage: 0 };
  private fates = { delivered: 0, undelivered: 0 };
  private costMicros = new Map<string, number>();
  private reports: ReportCounters = { reportsPushed: 0, reportsDuplicated: 0, reportsWithheld: 0, pushFailures: 0 };
  private reportsInFlight = 0;
  private queries: SimulatorStats['queries'] = {};

  record(reply: Reply, accepted: number, refused: number): void {
    this.calls += 1;
    this.accepted += accepted;
    this.refused += refused;
    if (reply.kind === 'hang') this.ends.hung += 1;
    else if (reply.kind === 'reset' || reply.kind === 'garbage') this.ends[reply.kind] += 1;
    else {
      const key = reply.kind === 'json' ? reply.answer.status : `http:${reply.statusCode}`;
      this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
    }
  }

  /** One accepted message's fate and pay. */
  recordFate(delivered: boolean, currency: string, payMicros: number): void {
    this.fates[delivered ? 'delivered' : 'undelivered'] += 1;
    this.costMicros.set(currency, (this.costMicros.get(currency) ?? 0) + payMicros);
  }

  recordQuery(name: QueryName, reply: QueryReply): void {
    const key = reply.kind === 'json' ? reply.answer.status : `http:${reply.statusCode}`;
    const byStatus = (this.queries[name] ??= {});
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }

  reportsWithheld(copies: number): void {
    this.reports.reportsWithheld += copies;
  }

  /** Copies handed to a POST; each later settles with pushSettled. */
  pushStarted(copies: number): void {
    this.reportsInFlight += copies;
  }

  pushSettled(copies: number, duplicates: number, received: boolean): void {
    this.reportsInFlight -= copies;
    if (received) {
      this.reports.reportsPushed += copies;
      this.reports.reportsDuplicated += duplicates;
    } else {
      this.reports.pushFailures += copies;
    }
  }

  snapshot(ledger: Ledger, queuedReports: number): SimulatorStats {
    const cost: Record<string, string> = {};
    for (const [currency, micros] of this.costMicros) cost[currency] = formatMicrosFixed(micros, GATEWAY_DECIMALS);
    return {
      calls: this.calls,
      callsByStatus: { ...this.byStatus },
      accepted: this.accepted,
      duplicates: ledger.duplicates(),
      refused: this.refused,
      ...this.ends,
      ...this.fates,
      cost,
      ...this.reports,
      reportsPending: queuedReports + this.reportsInFlight,
      queries: Object.fromEntries(Object.entries(this.queries).map(([k, v]) => [k, { ...v }])),
    };
  }

  clear(): void {
    this.calls = 0;
    this.byStatus = {};
    this.accepted = 0;
    this.refused = 0;
    this.ends = { hung: 0, reset: 0, garbage: 0 };
    this.fates = { delivered: 0, undelivered: 0 };
    this.costMicros = new Map();
    this.reports = { reportsPushed: 0, reportsDuplicated: 0, reportsWithheld: 0, pushFailures: 0 };
    this.reportsInFlight = 0;
    this.queries = {};
  }
}
