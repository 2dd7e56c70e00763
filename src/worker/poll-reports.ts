import { randomUUID } from 'node:crypto';
import type { Context } from '../shared/context';
import { AppliedReports, parseAwaitingMember } from '../shared/delivery/delivery-store';
import type { IndexEntry } from '../shared/delivery/msgid-index';
import type { PollSummary } from '../shared/delivery/poll-summary';
import type { DeliveryReport } from '../shared/delivery/report';
import { receivedTimeProblem } from '../shared/gateway/received-time';
import { countReport } from '../shared/metrics';
import { describeQueryFailure, MAX_REPORT_MSG_IDS, type GatewayQueries, type ReportRecord } from '../shared/gateway/queries';
import { releaseLock } from '../shared/lock';
import { backOff as backOffPoller } from './poll-backoff';

/** Batches read from the work list at a time. */
const BATCHES_PER_READ = 10;


type Stop = { stop: true };

/**
 * One run of the delivery-report poller. The work list holds one entry per batch with sent messages, scored by
 * when to look at it next. For each due batch it asks getReport about the messages without a report, 200 at a
 * time, records the answers like pushed reports, and looks again after DLR_POLL_AFTER_MS while some are still
 * sending; past DLR_EXPIRE_AFTER_MS the rest are `expired`. One run at a time across all workers (a lock);
 * calls spaced by DLR_POLL_RATE_PER_SECOND; -15/-18 or no answer makes every worker back off.
 */
export async function pollReports(ctx: Context, queries: GatewayQueries): Promise<PollSummary> {
  const { keys, redis } = ctx;
  const d = ctx.config.delivery;
  const summary: PollSummary = { calls: 0, asked: 0, reported: 0, matched: 0, expired: 0, done: 0 };
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
        if ((await pollBatch(ctx, queries, member, summary)) !== undefined) break outer;
      }
    }
  } finally {
    await releaseLock(redis, keys.pollLock(), token);
  }
  if (summary.calls > 0 || summary.expired > 0) ctx.log.info(summary, 'delivery-report poller run');
  return summary;
}

/** Looks at one batch of the work list; a Stop when the gateway said to back off. */
async function pollBatch(ctx: Context, queries: GatewayQueries, member: string, summary: PollSummary): Promise<Stop | undefined> {
  const { redis, keys } = ctx;
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
    for (let i = 0; i < pending.length; i += MAX_REPORT_MSG_IDS) {
      // Out of calls for this run: the batch stays due, and the next run asks again.
      if (summary.calls >= d.pollMaxCalls) return undefined;
      const result = await ask(ctx, queries, pending.slice(i, i + MAX_REPORT_MSG_IDS), summary);
      if (result === 'stop') return { stop: true };
      answered += result;
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

/** One getReport call, spaced by the rate limit; how many final answers it gave, or 'stop'. */
async function ask(ctx: Context, queries: GatewayQueries, entries: IndexEntry[], summary: PollSummary): Promise<number | 'stop'> {
  const started = Date.now();
  summary.calls++;
  summary.asked += entries.length;
  const answer = await queries.getReport(entries.map((e) => e.msgId));
  if (!answer.ok) {
    summary.error = `getReport ${describeQueryFailure(answer)}`;
    await backOff(ctx);
    ctx.log.warn({ error: summary.error }, 'delivery-report poller backs off');
    return 'stop';
  }
  // The run began out of back-off, so only the level can be left: clear it once, at the run's first answer.
  if (summary.calls === 1) await ctx.redis.del(ctx.keys.pollBackoffLevel());
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
  const wait = started + 1000 / ctx.config.delivery.pollRatePerSecond - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  return final.length;
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
  return backOffPoller(ctx.redis, { backoff: ctx.keys.pollBackoff(), level: ctx.keys.pollBackoffLevel() }, ctx.config.delivery.pollIntervalMs);
}
