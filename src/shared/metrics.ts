/**
 * What a process counts for Prometheus: one registry per process, shared by the worker's hot path (a counter
 * increment is a map lookup, cheap enough per call) and served at /metrics by `smsq server` and by
 * `smsq worker` when METRICS_PORT is set. Counters are per process; Prometheus sums the replicas.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { CallResult } from './gateway/client';
import { byLetter, OUTCOME_LETTERS, OUTCOMES } from './batch/outcomes';
import type { StoredOutcome } from './types';

export const metricsRegistry = new Registry();
const registers = [metricsRegistry];

export const metrics = {
  recipients: new Counter({
    name: 'smsq_recipients_total',
    help: 'Recipients settled by this worker, by outcome (sent, failed, unknown, suppressed, capped).',
    labelNames: ['outcome'] as const,
    registers,
  }),
  gatewayCalls: new Counter({
    name: 'smsq_gateway_calls_total',
    help: 'sendSms calls by what came back: kind (reply, http-error, not-json, not-sent, cut-off) and status (gateway status, HTTP status or transport error code), and by the gateway account called.',
    labelNames: ['kind', 'status', 'account'] as const,
    registers,
  }),
  gatewayLatency: new Histogram({
    name: 'smsq_gateway_call_duration_seconds',
    help: 'Duration of sendSms calls, by kind of result and gateway account.',
    labelNames: ['kind', 'account'] as const,
    // From a fast local answer to the response timeout's usual range.
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
    registers,
  }),
  gatewayDisagreements: new Counter({
    name: 'smsq_gateway_answer_disagreements_total',
    help: "Ways the gateway's answers disagreed with themselves or with the call (repeated-msgid, count-mismatch, …; status-with-entries for a refusal listing accepted numbers): the recipients they did not name unmistakably were recorded unknown, to be settled from the gateway's records.",
    labelNames: ['kind'] as const,
    registers,
  }),
  batchRetries: new Counter({
    name: 'smsq_batch_retries_total',
    help: 'Batch attempts that ended transient (-18, HTTP 5xx/429, connection refused) and will be retried, by code.',
    labelNames: ['code'] as const,
    registers,
  }),
  accountRecipients: new Counter({
    name: 'smsq_account_recipients_total',
    help: "Recipients whose call through a gateway account ended them, by account and outcome (sent, failed, unknown): each account's share of the work.",
    labelNames: ['account', 'outcome'] as const,
    registers,
  }),
  accountFailovers: new Counter({
    name: 'smsq_account_failovers_total',
    help: 'Recipients moved from one gateway account to another because the first certainly did not send them, by account left (from) and taken (to).',
    labelNames: ['from', 'to'] as const,
    registers,
  }),
  accountStops: new Counter({
    name: 'smsq_account_stops_total',
    help: 'Gateway account stops this worker recorded first (with one account the queue is paused too), by gateway status.',
    labelNames: ['code'] as const,
    registers,
  }),
  hardFailuresSuppressed: new Counter({
    name: 'smsq_hard_failures_suppressed_total',
    help: 'Numbers this process put on the suppression list as hard failures (reason hard-failure), by source: call (refused alone with -9), report (undelivered with one of SMS_HARD_FAILURE_REASONS).',
    labelNames: ['source'] as const,
    registers,
  }),
  linkClicks: new Counter({
    name: 'smsq_link_clicks_total',
    help: "Tracked links followed on this server, by kind: click (a person's), robot (a link-preview or scanning robot's fetch), head (a HEAD request), unknown (no such link, or its campaign's results expired: 404), refused (a client past LINK_MISS_LIMIT unknown codes this minute: 429).",
    labelNames: ['kind'] as const,
    registers,
  }),
  deliveryReports: new Counter({
    name: 'smsq_delivery_reports_total',
    help: 'Delivery reports received, by source (push, poll, held: a held report applied once its msgId was indexed) and result (matched, duplicate, older, held: msgId not indexed yet, unmatched: results expired or number differs, mismatch, invalid).',
    labelNames: ['source', 'result'] as const,
    registers,
  }),
  reportLatency: new Histogram({
    name: 'smsq_delivery_report_latency_seconds',
    help: "From a message's send being recorded to the time its delivery report gives.",
    buckets: [1, 5, 15, 30, 60, 120, 300, 900, 3600, 4 * 3600, 24 * 3600],
    registers,
  }),
  batchWait: new Histogram({
    name: 'smsq_batch_wait_seconds',
    help: "From a batch's release into its lane to its first start, by the campaign's priority (lane).",
    labelNames: ['priority'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  }),
  batchHolds: new Counter({
    name: 'smsq_batch_holds_total',
    help: 'Batch starts held back (the job delayed, its worker slot freed), by reason: paused (its campaign is paused) or rate-cap (maxRate or a sender limit).',
    labelNames: ['reason'] as const,
    registers,
  }),
  replies: new Counter({
    name: 'smsq_replies_total',
    help: 'Replies (recordMo) received, by source (push, poll) and result (stored: a plain reply, stop and start: an opt-out keyword, duplicate: a copy dropped, invalid: a pushed reply without a number).',
    labelNames: ['source', 'result'] as const,
    registers,
  }),
  settleRuns: new Counter({
    name: 'smsq_settle_runs_total',
    help: "Automatic settle job runs, by result: settled (unknown recipients read from the gateway's records), waiting (the campaign is still sending or calls are too recent), resent, completed, query-failed (getSentRcd could not be read; retried with backoff).",
    labelNames: ['result'] as const,
    registers,
  }),
  settleFailures: new Counter({
    name: 'smsq_settle_query_failures_total',
    help: "Automatic settle job runs that could not read the gateway's records (getSentRcd), by reason (gateway status, HTTP status or transport error): the recipients stay unknown and the job retries.",
    labelNames: ['reason'] as const,
    registers,
  }),
  durabilityRefusals: new Counter({
    name: 'smsq_durability_refusals_total',
    help: 'Calls not made because their in-flight record was not acknowledged in REDIS_DURABILITY_TIMEOUT_MS (no replica, or no AOF fsync): the batch went back unsent.',
    labelNames: ['mode'] as const,
    registers,
  }),
  webhookEvents: new Counter({
    name: 'smsq_webhook_events_total',
    help: 'Webhook events by type and result: queued (created), dropped (WEBHOOK_MAX_QUEUED reached), click-dropped (link.clicked only: a waiting click dropped before its event was made, one per click, WEBHOOK_MAX_QUEUED clicks waiting), delivered (a 2xx), gone (410: not retried), exhausted (WEBHOOK_RETRY_FOR passed), retried (re-sent by an operator), unsealed (a job smsq did not make: refused, nothing sent), untargeted (an event of a tenant that removed or moved its webhook since: refused, nothing sent).',
    labelNames: ['type', 'result'] as const,
    registers,
  }),
  webhookLatency: new Histogram({
    name: 'smsq_webhook_delivery_latency_seconds',
    help: "From an event's creation to its delivery (a 2xx), retries included.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800, 3600, 6 * 3600, 24 * 3600],
    registers,
  }),
  webhookFailures: new Counter({
    name: 'smsq_webhook_endpoint_failures_total',
    help: 'Delivery attempts the receiver did not take, by reason: http_3xx, http_4xx, http_5xx, http_410, timeout, connection.',
    labelNames: ['reason'] as const,
    registers,
  }),
  rateLimitWaits: new Counter({
    name: 'smsq_rate_limit_waits_total',
    help: 'Times the gateway told a worker to slow down (HTTP 429): the batch backs off and is retried.',
    registers,
  }),
};

// Present from the first scrape, so that rate() and absent-series alerts work before the first campaign.
for (const l of OUTCOME_LETTERS) if (OUTCOMES[l].metric) metrics.recipients.labels(OUTCOMES[l].status).inc(0);
metrics.rateLimitWaits.inc(0);
for (const result of ['matched', 'unmatched', 'held']) metrics.deliveryReports.labels('push', result).inc(0);
for (const result of ['queued', 'delivered', 'dropped', 'exhausted']) metrics.webhookEvents.labels('recipients.settled', result).inc(0);

for (const result of ['stored', 'stop', 'start', 'duplicate']) metrics.replies.labels('push', result).inc(0);

/** One or more replies, by where they came from and what became of them (see replies/reply-store.ts). */
export function countReply(source: 'push' | 'poll', result: string, n = 1): void {
  metrics.replies.labels(source, result).inc(n);
}

export type ReportSource = 'push' | 'poll' | 'held';

/** What the store answered, as the metric's result label: a report that changed a record is `matched`. */
const REPORT_RESULT: Record<string, string> = { applied: 'matched', replaced: 'matched', gone: 'unmatched' };

export function countReport(source: ReportSource, result: string, n = 1): void {
  metrics.deliveryReports.labels(source, REPORT_RESULT[result] ?? result).inc(n);
}

/** The outcomes smsq_recipients_total counts (OUTCOMES' `metric`), and a zero count of every outcome to copy. */
const COUNTED = OUTCOME_LETTERS.filter((l) => OUTCOMES[l].metric);
const NONE = byLetter(() => 0);

/** Counts outcomes as a worker records them. */
export function countOutcomes(outcomes: Iterable<StoredOutcome>): void {
  const counts = { ...NONE };
  for (const o of outcomes) counts[o[0]]++;
  for (const l of COUNTED) if (counts[l] > 0) metrics.recipients.labels(OUTCOMES[l].status).inc(counts[l]);
}

/** The outcomes one call through `account` gave its recipients (a configured name: the labels stay bounded). */
export function countAccountOutcomes(account: string, outcomes: Iterable<StoredOutcome>): void {
  let sent = 0;
  let failed = 0;
  let unknown = 0;
  for (const o of outcomes) {
    if (o[0] === 's') sent++;
    else if (o[0] === 'f') failed++;
    else if (o[0] === 'u') unknown++;
  }
  if (sent > 0) metrics.accountRecipients.labels(account, 'sent').inc(sent);
  if (failed > 0) metrics.accountRecipients.labels(account, 'failed').inc(failed);
  if (unknown > 0) metrics.accountRecipients.labels(account, 'unknown').inc(unknown);
}

/** One sendSms call through `account` (a configured name: the labels stay bounded): counted by kind and status, timed by kind. */
export function observeGatewayCall(result: CallResult, seconds: number, account: string): void {
  // A gateway status outside the documented numeric form is folded, so a misbehaving gateway cannot grow labels.
  const status =
    result.kind === 'reply'
      ? /^-?\d{1,6}$/.test(result.reply.status)
        ? result.reply.status
        : 'other'
      : result.kind === 'http-error' || result.kind === 'not-json'
        ? String(result.httpStatus)
        : result.errorCode;
  metrics.gatewayCalls.labels(result.kind, status, account).inc();
  metrics.gatewayLatency.labels(result.kind, account).observe(seconds);
  if (result.kind === 'http-error' && result.httpStatus === 429) metrics.rateLimitWaits.inc();
}

let processMetrics = false;

/** Adds Node's process metrics (memory, CPU, event loop lag) once per process, for the processes that serve them. */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: metricsRegistry });
}
