/** What one run of the delivery-report poller did: its job's returnvalue, shown in the dashboard. */
export interface PollSummary {
  /** Why the run did nothing: another run holds the lock, or the gateway asked us to back off. */
  skipped?: 'locked' | 'backoff';
  calls: number;
  asked: number;
  /** Reports the gateway gave (delivered or failed) and how they were recorded. */
  reported: number;
  matched: number;
  expired: number;
  /** msgIds on the list whose index entry is gone (results expired): dropped from it. */
  dropped: number;
  /** Set when the run stopped on a gateway error; the poller backs off before the next run. */
  error?: string;
}
