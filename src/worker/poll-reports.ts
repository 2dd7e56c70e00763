import { randomUUID } from 'node:crypto';
import { queriesOf, queryAccounts, type AccountQueries } from '../shared/accounts/account-queries';
import { DEFAULT_ACCOUNT } from '../shared/config';
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

/**
 * A run's summary, and what it keeps to itself per account: queries failed in a row, whether the account's gateway
 * has answered yet, and the accounts it no longer asks (backing off, from before the run or since).
 */
interface Run {
  summary: PollSummary;
  queries: AccountQueries;
  failedInRow: Map<string, number>;
  answered: Set<string>;
  stopped: Set<string>;
}
/** A query's end: final answers given, left for the next run ('failed'), or the account must stop and back off. */
type Asked = number | 'failed' | 'stop';

/**
 * One run of the delivery-report poller. The work list holds one entry per batch and gateway account with sent
 * messages, scored by when to look at it next. For each due entry it asks that account's getReport about the
 * messages without a report, 200 at a time, records the answers like pushed reports, and looks again after
 * DLR_POLL_AFTER_MS while some are still sending; past DLR_EXPIRE_AFTER_MS the rest are `expired`. One run at a
 * time across all workers (a lock); calls spaced by DLR_POLL_RATE_PER_SECOND; a query failing with -18 or no answer
 * is tried again within the run, and -15, or queries failing in a row, make every worker back off from that account
 * (at most BACKOFF_MAX_MS) while the run goes on with the others'. `queries`: every account's (AccountGateways), or
 * one GatewayQueries for the default account alone.
 */
export async function pollReports(ctx: Context, queries: AccountQueries): Promise<PollSummary> {
  const { keys, redis } = ctx;
  const d = ctx.config.delivery;
  const summary: PollSummary = { calls: 0, asked: 0, reported: 0, matched: 0, expired: 0, done: 0 };
  const run: Run = { summary, queries, failedInRow: new Map(), answered: new Set(), stopped: new Set() };
  const token = randomUUID();
  const lockMs = Math.max(60_000, d.pollIntervalMs * 2);
  if ((await redis.set(keys.pollLock(), token, 'PX', lockMs, 'NX')) !== 'OK') return { ...summary, skipped: 'locked' };
  try {
    const accounts = queryAccounts(queries);
    for (const account of accounts) if ((await redis.exists(keys.pollBackoff(account))) === 1) run.stopped.add(account);
    if (run.stopped.size === accounts.length) return { ...summary, skipped: 'backoff' };
    // Due entries of accounts the run no longer asks stay where they are, at the head of the due ones: skipped over.
    let skipped = 0;
    outer: while (summary.calls < d.pollMaxCalls && run.stopped.size < accounts.length) {
      const due = await redis.zrangebyscore(keys.awaitingReports(), '-inf', Date.now(), 'LIMIT', skipped, BATCHES_PER_READ);
      if (due.length === 0) break;
      for (const member of due) {
        if (summary.calls >= d.pollMaxCalls || run.stopped.size === accounts.length) break outer;
        if ((await pollBatch(ctx, member, run)) === 'skipped') skipped++;
      }
    }
  } finally {
    await releaseLock(redis, keys.pollLock(), token);
  }
  if (summary.calls > 0 || summary.expired > 0) ctx.log.info(summary, 'delivery-report poller run');
  return summary;
}

/**
 * Looks at one entry of the work list; 'skipped' (left as it is) when its account is not asked in this run any
 * more. An entry whose account the gateway told to back off meanwhile is left as it is too.
 */
async function pollBatch(ctx: Context, member: string, run: Run): Promise<'skipped' | undefined> {
  const { redis, keys } = ctx;
  const { summary } = run;
  const d = ctx.config.delivery;
  const { sentAt, campaignId, batch, account } = parseAwaitingMember(member);
  const now = Date.now();
  const expiring = now - sentAt >= d.expireAfterMs;
  if (run.stopped.has(account) && !expiring) return 'skipped';
  const queries = queriesOf(run.queries, account);
  if (!queries && !expiring) {
    // An account no longer configured cannot be asked: its messages are looked at again when they can be expired.
    ctx.log.warn({ account, campaignId, batch }, 'delivery reports of a gateway account that is not configured: left to expire');
    await redis.zadd(keys.awaitingReports(), 'XX', sentAt + d.expireAfterMs, member);
    return undefined;
  }
  const pending = await ctx.delivery.unreported(campaignId, batch, sentAt, account);
  if (pending && pending.length > 0 && expiring) {
    const expired = new AppliedReports();
    for (const entry of pending) {
      if ((await ctx.delivery.expire(entry, now)) !== 'applied') continue;
      summary.expired++;
      expired.add(campaignId, entry.msgId, account, { state: 'e', at: now, code: 'EXPIRED', reason: '' });
    }
    await ctx.delivery.emitApplied(expired);
  } else if (pending && pending.length > 0 && queries) {
    let answered = 0;
    let failed = false;
    for (let i = 0; i < pending.length; i += MAX_REPORT_MSG_IDS) {
      // Out of calls for this run: the batch stays due, and the next run asks again.
      if (summary.calls >= d.pollMaxCalls) return undefined;
      const result = await ask(ctx, queries, account, pending.slice(i, i + MAX_REPORT_MSG_IDS), run);
      if (result === 'stop') return undefined;
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
 * One getReport query to `account`, tried again within the run while it fails transiently, every call spaced by the
 * rate limit; how many final answers it gave, 'failed' (left for the next run), or 'stop' (-15, a failure that is
 * not transient, or FAILED_QUERIES_TO_STOP queries to the account in a row failed: every worker's poller backs off
 * from it).
 */
async function ask(ctx: Context, queries: GatewayQueries, account: string, entries: IndexEntry[], run: Run): Promise<Asked> {
  const { summary } = run;
  summary.asked += entries.length;
  let started = Date.now();
  let answer: QueryResult<ReportAnswer>;
  for (let tries = 1; ; tries++) {
    summary.calls++;
    answer = await queries.getReport(entries.map((e) => e.msgId));
    if (answer.ok) break;
    const failure: QueryFailure = answer;
    summary.error = `${account === DEFAULT_ACCOUNT ? '' : `account ${account}: `}getReport ${describeQueryFailure(failure)}`;
    // -15 asks for fewer queries: retrying at once would ask for more.
    const retryable = isTransientQueryFailure(failure) && !(failure.kind === 'status' && failure.status === '-15');
    if (!retryable || tries === TRIES_PER_QUERY || summary.calls >= ctx.config.delivery.pollMaxCalls) {
      summary.failedQueries = (summary.failedQueries ?? 0) + 1;
      const inRow = (run.failedInRow.get(account) ?? 0) + 1;
      run.failedInRow.set(account, inRow);
      if (retryable && inRow < FAILED_QUERIES_TO_STOP) return 'failed';
      await backOff(ctx, account);
      run.stopped.add(account);
      ctx.log.warn({ error: summary.error, account }, 'delivery-report poller backs off');
      return 'stop';
    }
    await pause(Math.max(spacing(ctx), queryRetryDelay(tries, RETRY_FIRST_MS)));
    started = Date.now();
  }
  run.failedInRow.set(account, 0);
  // The account was asked out of back-off, so only the level can be left: clear it at its first answer of the run.
  if (!run.answered.has(account)) {
    run.answered.add(account);
    await ctx.redis.del(ctx.keys.pollBackoffLevel(account));
  }
  const final = answer.value.records.filter((r) => r.state !== 'sending');
  const reports = final.map(toReport);
  const inRange = reports.filter((r) => receivedTimeProblem(r.at, started, 'receiveTime') === null);
  if (inRange.length < reports.length) {
    countReport('poll', 'invalid', reports.length - inRange.length);
    ctx.log.warn({ count: reports.length - inRange.length }, 'polled delivery reports dated out of range skipped');
  }
  const counts = await ctx.delivery.record(inRange, 'poll', account);
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

/** Pauses every worker's report poller's questions to `account` (see poll-backoff.ts). */
function backOff(ctx: Context, account: string): Promise<void> {
  const intervalMs = ctx.config.delivery.pollIntervalMs;
  return backOffPoller(
    ctx.redis,
    { backoff: ctx.keys.pollBackoff(account), level: ctx.keys.pollBackoffLevel(account) },
    intervalMs,
    Math.max(BACKOFF_MAX_MS, intervalMs),
  );
}
