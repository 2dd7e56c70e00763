import { randomUUID } from 'node:crypto';
import { queriesOf, queryAccounts, type AccountQueries } from '../shared/accounts/account-queries';
import { DEFAULT_ACCOUNT } from '../shared/config';
import type { Context } from '../shared/context';
import { describeQueryFailure, MAX_MO_WINDOW_MS, MO_EARLIEST_MS, MO_PAGE_SIZE, type GatewayQueries } from '../shared/gateway/queries';
import { releaseLock } from '../shared/redis/lock';
import type { ReplyPollSummary } from '../shared/replies/reply-poll-summary';
import { backOff } from './poll-backoff';

/** Where the poller is in one account's replies, kept in Redis so that any worker's next run goes on from there. */
interface PollState {
  /** Replies up to this time (ms) have been read; absent before the first run. */
  readUpTo?: number;
  /** The window being paged through, when a run stopped in the middle of one (out of calls, or backing off). */
  window?: { start: number; end: number; page: number };
}

/**
 * One run of the reply poller, over every gateway account in turn (`queries`: every account's, AccountGateways, or
 * one GatewayQueries for the default account alone). For each account it pages through recordMo (100 replies a
 * page) over the window from where the last run read up to, less REPLY_POLL_OVERLAP_MS for replies the gateway
 * records late, to now — on the first run from REPLY_POLL_LOOKBACK_MS ago; a gap longer than the gateway's 28-day
 * window is read window after window. Every reply goes to the reply store, which drops copies (the overlap, a push of
 * the same reply) and attributes it by its number, whichever account it came through; reading twice is harmless.
 * One run at a time across all workers (a lock); calls spaced by REPLY_POLL_RATE_PER_SECOND, at most
 * REPLY_POLL_MAX_CALLS per account; -15/-18 or no answer makes every worker back off from that account, and its next
 * run resumes the window at the page that failed. Each account keeps its own place and back-off.
 */
export async function pollReplies(ctx: Context, queries: AccountQueries, now: () => number = Date.now): Promise<ReplyPollSummary> {
  const { keys, redis } = ctx;
  const r = ctx.config.replies;
  const summary: ReplyPollSummary = { calls: 0, listed: 0, stored: 0, stop: 0, start: 0, duplicate: 0 };
  const accounts = queryAccounts(queries);
  const token = randomUUID();
  // Long enough for a run that spends all its calls, every account's, at the configured rate.
  const runMs = Math.ceil((r.pollMaxCalls * 1000) / r.pollRatePerSecond) * accounts.length;
  const lockMs = Math.max(60_000, r.pollIntervalMs * 2, runMs + 60_000);
  if ((await redis.set(keys.replyPollLock(), token, 'PX', lockMs, 'NX')) !== 'OK') return { ...summary, skipped: 'locked' };
  try {
    let backingOff = 0;
    for (const account of accounts) {
      const q = queriesOf(queries, account);
      if (!q) continue;
      if ((await redis.exists(keys.replyPollBackoff(account))) === 1) backingOff++;
      else await pollAccount(ctx, q, account, summary, now);
    }
    if (backingOff === accounts.length) return { ...summary, skipped: 'backoff' };
  } finally {
    await releaseLock(redis, keys.replyPollLock(), token);
  }
  if (summary.calls > 0) ctx.log.info(summary, 'reply poller run');
  return summary;
}

/** Pages through one account's replies from where it was; adds what it did to `summary`. */
async function pollAccount(
  ctx: Context,
  queries: GatewayQueries,
  account: string,
  summary: ReplyPollSummary,
  now: () => number,
): Promise<void> {
  const { keys, redis } = ctx;
  const r = ctx.config.replies;
  let calls = 0;
  let state = await readState(ctx, account);
  while (calls < r.pollMaxCalls) {
    const started = Date.now();
    const t = now();
    const w = state.window ?? nextWindow(ctx, state, t);
    if (w === null) break;
    calls++;
    summary.calls++;
    const answer = await queries.recordMo({ start: new Date(w.start), end: new Date(w.end), current: w.page, size: MO_PAGE_SIZE });
    if (!answer.ok) {
      summary.error = `${account === DEFAULT_ACCOUNT ? '' : `account ${account}: `}recordMo ${describeQueryFailure(answer)}`;
      await saveState(ctx, account, { ...state, window: w });
      await backOff(redis, { backoff: keys.replyPollBackoff(account), level: keys.replyPollBackoffLevel(account) }, r.pollIntervalMs);
      ctx.log.warn({ error: summary.error, account }, 'reply poller backs off');
      break;
    }
    // The account was asked out of back-off, so only the level can be left: clear it once, at its first answer.
    if (calls === 1) await redis.del(keys.replyPollBackoffLevel(account));
    const { records, pages } = answer.value;
    summary.listed += records.length;
    for (const done of await ctx.replies.record(records, 'poll')) summary[done.result]++;
    // A full page may be followed by another even when the answer gives no page count.
    const more = w.page < pages || records.length >= MO_PAGE_SIZE;
    state = more ? { ...state, window: { ...w, page: w.page + 1 } } : { readUpTo: w.end };
    await saveState(ctx, account, state);
    if (!more && w.end >= t) break;
    const wait = started + 1000 / r.pollRatePerSecond - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  // The time every account polled so far is read up to.
  if (state.readUpTo !== undefined) summary.readUpTo = Math.min(summary.readUpTo ?? Infinity, state.readUpTo);
}

/** The window after what was read: from readUpTo less the overlap (or the lookback) to now, at most 28 days. */
function nextWindow(ctx: Context, state: PollState, t: number): NonNullable<PollState['window']> | null {
  const r = ctx.config.replies;
  const start = Math.max(MO_EARLIEST_MS, state.readUpTo === undefined ? t - r.pollLookbackMs : state.readUpTo - r.pollOverlapMs);
  if (start >= t) return null;
  return { start, end: Math.min(t, start + MAX_MO_WINDOW_MS), page: 1 };
}

/** An account's place, read back defensively: a value that is not a place (another version, a hand edit) starts afresh. */
async function readState(ctx: Context, account: string): Promise<PollState> {
  const raw = await ctx.redis.get(ctx.keys.replyPollState(account));
  let v: unknown;
  try {
    v = raw === null ? {} : JSON.parse(raw);
  } catch {
    v = {};
  }
  const o = v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const w = o.window !== null && typeof o.window === 'object' ? (o.window as Record<string, unknown>) : undefined;
  const state: PollState = {};
  if (isTime(o.readUpTo)) state.readUpTo = o.readUpTo;
  if (w && isTime(w.start) && isTime(w.end) && w.start < w.end && Number.isSafeInteger(w.page) && (w.page as number) >= 1)
    state.window = { start: w.start, end: w.end, page: w.page as number };
  return state;
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function saveState(ctx: Context, account: string, state: PollState): Promise<unknown> {
  return ctx.redis.set(ctx.keys.replyPollState(account), JSON.stringify(state));
}
