import { randomUUID } from 'node:crypto';
import type { Context } from '../shared/context';
import { AppliedReports, parseAwaitingMember } from '../shared/delivery/delivery-store';
import type { IndexEntry } from '../shared/delivery/msgid-index';
import type { PollSummary } from '../shared/delivery/poll-summary';
import type { DeliveryReport } from '../shared/delivery/report';
import { receivedTimeProblem } from '../shared/gateway/received-time';
import { countReport } from '../shared/metrics';
import {
  describeQueryFailure,
  MAX_REPORT_MSG_IDS,
  type GatewayQueries,
  type QueryFailure,
  type QueryResult,
  type ReportAnswer,
  type ReportRecord,
} from '../shared/gateway/queries';
import { isTransientQueryFailure, queryRetryDelay } from '../shared/gateway/query-retry';
import { releaseLock } from '../shared/redis/lock';
import { backOff as backOffPoller } from './poll-backoff';

/** Batches read from the work list at a time. */
const BATCHES_PER_READ = 10;

/**
 * Tries of one getReport within a run while it fails transiently (-18, HTTP 5xx, no answer), waiting from
 * RETRY_FIRST_MS (doubled, ±50%) between them: a busy gateway usually answers the next call, and stopping the
 * whole run on one -18 left reports unread for minutes. A query still failing is left for the next run; the run
 * goes on with the other batches.
 */
const TRIES_PER_QUERY = 3;
const RETRY_FIRST_MS = 500;
/** Queries in a row that failed every try: the gateway is down rather than busy, so the run stops and backs off. */
const FAILED_QUERIES_TO_STOP = 3;
/**
 * The longest pause of every worker's poller after a run stopped on trouble (before ±50% jitter, and never below
 * one poll interval): the pause only comes after the in-run retries failed, the next run makes at most
 * DLR_POLL_MAX_CALLS calls at DLR_POLL_RATE_PER_SECOND anyway, and a longer one (it was 10 minutes) stalls every
 * campaign's delivery figures while the gateway is long back.
 */
const BACKOFF_MAX_MS = 2 * 60_000;

type Stop = { stop: true };
/** A run's summary, and what it keeps to itself: queries failed in a row, and whether the gateway has answered yet. */
interface Run {
  summary: PollSummary;
  failedInRow: number;
  answered: boolean;
}
/** A query's end: final answers given, left for the next run ('failed'), or the run must stop and back off. */
type Asked = number | 'failed' | 'stop';

/**
 * One run of the delivery-report poller. The work list holds one entry per batch with sent messages, scored by
 * when to look at it next. For each due batch it asks getReport about the messages without a report, 200 at a
 * time, records the answers like pushed reports, and looks again after DLR_POLL_AFTER_MS while some are still
 * sending; past DLR_EXPIRE_AFTER_MS the rest are `expired`. One run at a time across all workers (a lock);
 * calls spaced by DLR_POLL_RATE_PER_SECOND; a query failing with -18 or no answer is tried again within the run,
 * and -15, or queries failing in a row, make every worker back off (at most BACKOFF_MAX_MS).
 */
export async function pollReports(ctx: Context, queries: GatewayQueries): Promise<PollSummary> {
  const { keys, redis } = ctx;
  const d = ctx.config.delivery;
  const summary: PollSummary = { calls: 0, asked: 0, reported: 0, matched: 0, expired: 0, done: 0 };
  const run: Run = { summary, failedInRow: 0, answered: false };
  const token = randomUUID();
  const lockMs = Math.max(60_000, d.pollIntervalMs * 2);
  if ((await redis.set(keys.pollLock(), token, 'PX', lockMs, 'NX')) !== 'OK') return { ...summary, skipped: 'locked' };
  try {
    if ((await redis.exists(keys.pollBackoff())) === 1) return { ...summary, skipped: 'backoff' };
    outer: while (summary.calls < d.pollMaxCalls) {
      const due = await redis.zrangebyscore(keys.awaitingReports(), '-inf', Date.now(), 'LIMIT', 0, BATCHES_PER_READ);
      if (due.length === 0) break;
      for (const member of due) {
        if (summary.calls >= d.pollMaxCalls) break outer;
        if ((await pollBatch(ctx, queries, member, run)) !== undefined) break outer;
      }
    }
  } finally {
    await releaseLock(redis, keys.pollLock(), token);
  }
  if (summary.calls > 0 || summary.expired > 0) ctx.log.info(summary, 'delivery-report poller run');
  return summary;
}

/** Looks at one batch of the work list; a Stop when the gateway said to back off. */
async function pollBatch(ctx: Context, queries: GatewayQueries, member: string, run: Run): Promise<Stop | undefined> {
  const { redis, keys } = ctx;
  const { summary } = run;
  const d = ctx.config.delivery;
  const { sentAt, campaignId, batch } = parseAwaitingMember(member);
  const pending = await ctx.delivery.unreported(campaignId, batch, sentAt);
  const now = Date.now();
  if (pending && pending.length > 0 && now - sentAt >= d.expireAfterMs) {
    const expired = new AppliedReports();
    for (const entry of pending) {
      if ((await ctx.delivery.expire(entry, now)) !== 'applied') continue;
      summary.expired++;
      expired.add(campaignId, entry.msgId, { state: 'e', at: now, code: 'EXPIRED', reason: '' });
    }
    await ctx.delivery.emitApplied(expired);
  } else if (pending && pending.length > 0) {
    let answered = 0;
    let failed = false;
    for (let i = 0; i < pending.length; i += MAX_REPORT_MSG_IDS) {
      // Out of calls for this run: the batch stays due, and the next run asks again.
      if (summary.calls >= d.pollMaxCalls) return undefined;
      const result = await ask(ctx, queries, pending.slice(i, i + MAX_REPORT_MSG_IDS), run);
      if (result === 'stop') return { stop: true };
      if (result === 'failed') failed = true;
      else answered += result;
    }
    if (failed) {
      // Still due, but behind the batches due before it: the run goes on with those, and comes back to it.
      await redis.zadd(keys.awaitingReports(), 'XX', Date.now(), member);
      return undefined;
    }
    if (answered < pending.length) {
      await redis.zadd(keys.awaitingReports(), 'XX', Date.now() + Math.max(d.pollAfterMs, 1_000), member);
      return undefined;
    }
  }
  await redis.zrem(keys.awaitingReports(), member);
  summary.done++;
  return undefined;
}

/**
 * One getReport query, tried again within the run while it fails transiently, every call spaced by the rate limit;
 * how many final answers it gave, 'failed' (left for the next run), or 'stop' (-15, a failure that is not
 * transient, or FAILED_QUERIES_TO_STOP queries in a row failed: every worker's poller backs off).
 */
async function ask(ctx: Context, queries: GatewayQueries, entries: IndexEntry[], run: Run): Promise<Asked> {
  const { summary } = run;
  summary.asked += entries.length;
  let started = Date.now();
  let answer: QueryResult<ReportAnswer>;
  for (let tries = 1; ; tries++) {
    summary.calls++;
    answer = await queries.getReport(entries.map((e) => e.msgId));
    if (answer.ok) break;
    const failure: QueryFailure = answer;
    summary.error = `getReport ${describeQueryFailure(failure)}`;
    // -15 asks for fewer queries: retrying at once would ask for more.
    const retryable = isTransientQueryFailure(failure) && !(failure.kind === 'status' && failure.status === '-15');
    if (!retryable || tries === TRIES_PER_QUERY || summary.calls >= ctx.config.delivery.pollMaxCalls) {
      summary.failedQueries = (summary.failedQueries ?? 0) + 1;
      run.failedInRow++;
      if (retryable && run.failedInRow < FAILED_QUERIES_TO_STOP) return 'failed';
      await backOff(ctx);
      ctx.log.warn({ error: summary.error }, 'delivery-report poller backs off');
      return 'stop';
    }
    await pause(Math.max(spacing(ctx), queryRetryDelay(tries, RETRY_FIRST_MS)));
    started = Date.now();
  }
  run.failedInRow = 0;
  // The run began out of back-off, so only the level can be left: clear it at the run's first answer.
  if (!run.answered) {
    run.answered = true;
    await ctx.redis.del(ctx.keys.pollBackoffLevel());
  }
  const final = answer.value.records.filter((r) => r.state !== 'sending');
  const reports = final.map(toReport);
  const inRange = reports.filter((r) => receivedTimeProblem(r.at, started, 'receiveTime') === null);
  if (inRange.length < reports.length) {
    countReport('poll', 'invalid', reports.length - inRange.length);
    ctx.log.warn({ count: reports.length - inRange.length }, 'polled delivery reports dated out of range skipped');
  }
  const counts = await ctx.delivery.record(inRange, 'poll');
  summary.reported += final.length;
  summary.matched += counts.matched;
  await pause(started + spacing(ctx) - Date.now());
  return final.length;
}

/** The time between two getReport calls (DLR_POLL_RATE_PER_SECOND). */
function spacing(ctx: Context): number {
  return 1000 / ctx.config.delivery.pollRatePerSecond;
}

function pause(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function toReport(r: ReportRecord): DeliveryReport {
  const delivered = r.state === 'delivered';
  return {
    msgId: r.msgId,
    state: delivered ? 'd' : 'x',
    at: r.receiveTime ?? Date.now(),
    code: r.rawStatus,
    reason: delivered ? '' : 'failed (getReport)',
    number: r.number || undefined,
  };
}

/** Pauses every worker's report poller (see poll-backoff.ts). */
function backOff(ctx: Context): Promise<void> {
  const intervalMs = ctx.config.delivery.pollIntervalMs;
  return backOffPoller(
    ctx.redis,
    { backoff: ctx.keys.pollBackoff(), level: ctx.keys.pollBackoffLevel() },
    intervalMs,
    Math.max(BACKOFF_MAX_MS, intervalMs),
  );
}
