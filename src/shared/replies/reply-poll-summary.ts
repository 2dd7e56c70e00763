/** What one run of the reply poller did: the job's returnvalue, and its log line. */
export interface ReplyPollSummary {
  /** recordMo calls made. */
  calls: number;
  /** Replies the gateway listed, and what became of them. */
  listed: number;
  stored: number;
  stop: number;
  start: number;
  duplicate: number;
  /** The time read up to once the run ended (ms since the epoch). */
  readUpTo?: number;
  /** Why the run did nothing: another worker holds the lock, or the gateway asked to back off. */
  skipped?: 'locked' | 'backoff';
  /** The failed call, when the run stopped on one. */
  error?: string;
}
