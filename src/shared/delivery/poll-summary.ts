/** What one run of the delivery-report poller did: its job's returnvalue, shown in the dashboard. */
export interface PollSummary {
  /** Why the run did nothing: another run holds the lock, or the gateway asked us to back off. */
  skipped?: 'locked' | 'backoff';
  calls: number;
  /** msgIds asked about. */
  asked: number;
  /** Final reports the gateway gave (delivered or failed), and how many of them changed a record. */
  reported: number;
  matched: number;
  /** Messages past DLR_EXPIRE_AFTER_MS without a report, now `expired`. */
  expired: number;
  /** Batches taken off the list: every message has a report, or the results expired. */
  done: number;
  /** The last gateway error of the run; with `failedQueries` it may have gone on, else it stopped and backed off. */
  error?: string;
  /** Queries that failed every try within the run: their batches are asked about again by a later run. */
  failedQueries?: number;
}
