/**
 * The range of times smsq accepts in what the gateway reports (delivery reports, replies), pushed or polled.
 * A time outside it is refused and counted rather than stored: a line carrying 1e20 could not be shown as a date
 * (every list and export of it would fail), and one years away would be nonsense in the results.
 */

/** Nothing sent through smsq is older. */
const EARLIEST_MS = Date.UTC(2000, 0, 1);
/** The gateway's clock may run a little ahead of ours, not days. */
const FUTURE_SLACK_MS = 86_400_000;

/** Why `at` (ms) cannot be stored for something received at `receivedAt`, or null. `what` names the field. */
export function receivedTimeProblem(at: number, receivedAt: number, what: string): string | null {
  if (!Number.isFinite(at) || at < EARLIEST_MS || at > receivedAt + FUTURE_SLACK_MS) {
    return `${what} ${at} is out of range: from 2000-01-01 to a day after it was received`;
  }
  return null;
}
