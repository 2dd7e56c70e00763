import { randomUUID } from 'node:crypto';
import type { Context } from '../shared/context';
import { normalizeMsgId } from '../shared/delivery/msgid';
import type { PollSummary } from '../shared/delivery/poll-summary';
import type { DeliveryReport } from '../shared/delivery/report';
import { MAX_REPORT_MSG_IDS, type GatewayQueries, type ReportRecord } from '../shared/gateway/queries';
import { runScript } from '../shared/lua';

/** The back-off after -15 ("queried too frequently"), -18 or an unreachable gateway doubles up to this. */
const MAX_BACKOFF_MS = 10 * 60_000;

const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * One run of the delivery-report poller. Asks getReport about messages whose report is overdue (the awaiting
 * list is scored by when to ask next), records what it answers like a pushed report, asks again later about
 * those still sending, and calls a message `expired` once DLR_EXPIRE_AFTER_MS has passed without a report.
 * One run at a time across all workers (a lock); calls spaced by DLR_POLL_RATE_PER_SECOND.
 */
export async function pollReports(ctx: Context, queries: GatewayQueries): Promise<PollSummary> {
  const { keys, redis } = ctx;
  const d = ctx.config.delivery;
  const summary: PollSummary = { calls: 0, asked: 0, reported: 0, matched: 0, expired: 0, dropped: 0 };
  const token = randomUUID();
  const lockMs = Math.max(60_000, d.pollIntervalMs * 2);
  if ((await redis.set(keys.pollLock(), token, 'PX', lockMs, 'NX')) !== 'OK') return { ...summary, skipped: 'locked' };
  try {
    if ((await redis.exists(keys.pollBackoff())) === 1) return { ...summary, skipped: 'backoff' };
    const gapMs = 1000 / d.pollRatePerSecond;
    while (summary.calls < d.pollMaxCalls) {
      const due = await redis.zrangebyscore(keys.awaitingReports(), '-inf', Date.now(), 'LIMIT', 0, MAX_REPORT_MSG_IDS);
      if (due.length === 0) break;
      const ask = await settleWithoutAsking(ctx, due, summary);
      if (ask.length === 0) continue;
      const started = Date.now();
      summary.calls++;
      summary.asked += ask.length;
      const answer = await queries.getReport(ask);
      if (!answer.ok) {
        summary.error = answer.kind === 'status' ? `getReport status ${answer.status}: ${answer.reason}` : `getReport ${answer.kind}: ${answer.message}`;
        await backOff(ctx);
        ctx.log.warn({ error: summary.error }, 'delivery-report poller backs off');
        break;
      }
      await redis.del(keys.pollBackoff(), backoffLevelKey(ctx));
      const final = answer.value.records.filter((r) => r.state !== 'sending');
      const counts = await ctx.delivery.record(final.map(toReport), 'poll');
      summary.reported += final.length;
      summary.matched += counts.matched;
      // Still sending, or not found yet: ask again after another DLR_POLL_AFTER_MS.
      const answered = new Set(final.map((r) => normalizeMsgId(r.msgId)));
      const again = ask.filter((m) => !answered.has(normalizeMsgId(m)));
      const next = Date.now() + Math.max(d.pollAfterMs, 1_000);
      if (again.length > 0) await redis.zadd(keys.awaitingReports(), 'XX', ...again.flatMap((m) => [next, m]));
      const wait = started + gapMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  } finally {
    await runScript(redis, RELEASE_LOCK, [keys.pollLock()], [token]);
  }
  if (summary.calls > 0 || summary.expired > 0) ctx.log.info(summary, 'delivery-report poller run');
  return summary;
}

/** Drops msgIds whose results expired and expires those past the horizon; returns the ones to ask about. */
async function settleWithoutAsking(ctx: Context, due: string[], summary: PollSummary): Promise<string[]> {
  const now = Date.now();
  const locations = await ctx.delivery.index.lookup(due, now);
  const ask: string[] = [];
  const gone: string[] = [];
  for (let i = 0; i < due.length; i++) {
    const loc = locations[i];
    if (!loc) gone.push(due[i]);
    else if (now - loc.sentAt >= ctx.config.delivery.expireAfterMs) {
      const r = await ctx.delivery.expire(loc, due[i], now);
      if (r === 'applied') summary.expired++;
      // A record already there (or results gone) still takes the message off the list.
      if (r !== 'applied') gone.push(due[i]);
    } else ask.push(due[i]);
  }
  if (gone.length > 0) {
    summary.dropped += gone.length;
    await ctx.redis.zrem(ctx.keys.awaitingReports(), ...gone);
  }
  return ask;
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

function backoffLevelKey(ctx: Context): string {
  return `${ctx.keys.pollBackoff()}:level`;
}

/** Doubles the pause before the next run (from one poll interval up to 10 minutes), shared by all workers. */
async function backOff(ctx: Context): Promise<void> {
  const previous = Number((await ctx.redis.get(backoffLevelKey(ctx))) ?? 0);
  const delay = Math.min(MAX_BACKOFF_MS, previous > 0 ? previous * 2 : Math.max(ctx.config.delivery.pollIntervalMs, 1_000));
  await ctx.redis.pipeline().set(ctx.keys.pollBackoff(), String(delay), 'PX', delay).set(backoffLevelKey(ctx), String(delay), 'PX', MAX_BACKOFF_MS * 4).exec();
}
