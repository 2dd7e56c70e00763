import { randomUUID } from 'node:crypto';
import type { Context } from '../shared/context';
import { describeQueryFailure, MAX_MO_WINDOW_MS, MO_EARLIEST_MS, MO_PAGE_SIZE, type GatewayQueries } from '../shared/gateway/queries';
import { releaseLock } from '../shared/redis/lock';
import type { ReplyPollSummary } from '../shared/replies/reply-poll-summary';
import { backOff } from './poll-backoff';

/** Where the poller is, kept in Redis so that any worker's next run goes on from there. */
interface PollState {
  /** Replies up to this time (ms) have been read; absent before the first run. */
  readUpTo?: number;
  /** The window being paged through, when a run stopped in the middle of one (out of calls, or backing off). */
  window?: { start: number; end: number; page: number };
}

/**
 * One run of the reply poller. It pages through recordMo (100 replies a page) over the window from where the last
 * run read up to, less REPLY_POLL_OVERLAP_MS for replies the gateway records late, to now — on the first run from
 * REPLY_POLL_LOOKBACK_MS ago; a gap longer than the gateway's 28-day window is read window after window. Every reply
 * goes to the reply store, which drops copies (the overlap, a push of the same reply), so reading twice is harmless.
 * One run at a time across all workers (a lock); calls spaced by REPLY_POLL_RATE_PER_SECOND; -15/-18 or no answer
 * makes every worker back off, and the next run resumes the window at the page that failed.
 */
export async function pollReplies(ctx: Context, queries: GatewayQueries, now: () => number = Date.now): Promise<ReplyPollSummary> {
  const { keys, redis } = ctx;
  const r = ctx.config.replies;
  const summary: ReplyPollSummary = { calls: 0, listed: 0, stored: 0, stop: 0, start: 0, duplicate: 0 };
  const token = randomUUID();
  // Long enough for a run that spends all its calls at the configured rate.
  const lockMs = Math.max(60_000, r.pollIntervalMs * 2, Math.ceil((r.pollMaxCalls * 1000) / r.pollRatePerSecond) + 60_000);
  if ((await redis.set(keys.replyPollLock(), token, 'PX', lockMs, 'NX')) !== 'OK') return { ...summary, skipped: 'locked' };
  try {
    if ((await redis.exists(keys.replyPollBackoff())) === 1) return { ...summary, skipped: 'backoff' };
    let state = await readState(ctx);
    while (summary.calls < r.pollMaxCalls) {
      const started = Date.now();
      const t = now();
      const w = state.window ?? nextWindow(ctx, state, t);
      if (w === null) break;
      summary.calls++;
      const answer = await queries.recordMo({ start: new Date(w.start), end: new Date(w.end), current: w.page, size: MO_PAGE_SIZE });
      if (!answer.ok) {
        summary.error = `recordMo ${describeQueryFailure(answer)}`;
        await saveState(ctx, { ...state, window: w });
        await backOff(redis, { backoff: keys.replyPollBackoff(), level: keys.replyPollBackoffLevel() }, r.pollIntervalMs);
        ctx.log.warn({ error: summary.error }, 'reply poller backs off');
        break;
      }
      // The run began out of back-off, so only the level can be left: clear it once, at the run's first answer.
      if (summary.calls === 1) await redis.del(keys.replyPollBackoffLevel());
      const { records, pages } = answer.value;
      summary.listed += records.length;
      for (const done of await ctx.replies.record(records, 'poll')) summary[done.result]++;
      // A full page may be followed by another even when the answer gives no page count.
      const more = w.page < pages || records.length >= MO_PAGE_SIZE;
      state = more ? { ...state, window: { ...w, page: w.page + 1 } } : { readUpTo: w.end };
      await saveState(ctx, state);
      if (!more && w.end >= t) break;
      const wait = started + 1000 / r.pollRatePerSecond - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    summary.readUpTo = state.readUpTo;
  } finally {
    await releaseLock(redis, keys.replyPollLock(), token);
  }
  if (summary.calls > 0) ctx.log.info(summary, 'reply poller run');
  return summary;
}

/** The window after what was read: from readUpTo less the overlap (or the lookback) to now, at most 28 days. */
function nextWindow(ctx: Context, state: PollState, t: number): NonNullable<PollState['window']> | null {
  const r = ctx.config.replies;
  const start = Math.max(MO_EARLIEST_MS, state.readUpTo === undefined ? t - r.pollLookbackMs : state.readUpTo - r.pollOverlapMs);
  if (start >= t) return null;
  return { start, end: Math.min(t, start + MAX_MO_WINDOW_MS), page: 1 };
}

async function readState(ctx: Context): Promise<PollState> {
  const raw = await ctx.redis.get(ctx.keys.replyPollState());
  return raw ? (JSON.parse(raw) as PollState) : {};
}

function saveState(ctx: Context, state: PollState): Promise<unknown> {
  return ctx.redis.set(ctx.keys.replyPollState(), JSON.stringify(state));
}
