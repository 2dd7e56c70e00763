import type { Ledger } from './ledger';
import type { Reply } from './send-sms';

/**
 * Counters since start or the last reset. Every sendSms call lands in exactly one of `callsByStatus`, `hung`,
 * `reset` or `garbage`, so they add up to `calls`. `callsByStatus` keys are the gateway status for JSON answers
 * ("0", "-18", …) and `http:<code>` for answers that are not the gateway's JSON (500, 429, 400, 413, 405).
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
}

export class StatsCounter {
  private calls = 0;
  private byStatus: Record<string, number> = {};
  private accepted = 0;
  private refused = 0;
  private ends = { hung: 0, reset: 0, garbage: 0 };

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

  snapshot(ledger: Ledger): SimulatorStats {
    return {
      calls: this.calls,
      callsByStatus: { ...this.byStatus },
      accepted: this.accepted,
      duplicates: ledger.duplicates(),
      refused: this.refused,
      ...this.ends,
    };
  }

  clear(): void {
    this.calls = 0;
    this.byStatus = {};
    this.accepted = 0;
    this.refused = 0;
    this.ends = { hung: 0, reset: 0, garbage: 0 };
  }
}
