import type { JobOf } from '../../shared/queues';
import type { Context } from '../../shared/context';
import { SmsqError } from '../../shared/errors';
import { metrics } from '../../shared/metrics';
import type { WebhookEventType } from '../../shared/webhooks/events';
import { displayUrl } from '../../shared/webhooks/target-url';
import { ownerOf } from '../../shared/tenants/campaign-owner';

/** An event whose attempts ran out or that got 410 Gone, as listed by `smsq webhooks failed`. */
export interface FailedWebhook {
  /** The webhook-id; `smsq webhooks retry ID` re-sends it. */
  id: string;
  type: WebhookEventType;
  campaignId: string;
  /** The target without credentials or query string. */
  url: string;
  attempts: number;
  /** The last attempt's failure (HTTP status, timeout, connection error) and why it stopped. */
  reason: string;
  createdAt: number;
  failedAt: number;
}

/** Failed jobs read per page while listing them all for a re-send. */
const PAGE = 500;

/** Whose failed events a call may see and re-send: every one (an admin), or one tenant's campaigns' only. */
export interface WebhookScope {
  tenant?: string;
}

const inScope = (job: WebhookJob, scope: WebhookScope) =>
  scope.tenant === undefined || ownerOf(job.data.campaignId).tenant === scope.tenant;

/** The most recently failed events first, at most `limit`; for a tenant, only its campaigns' (the rest not even shown). */
export async function failedWebhooks(ctx: Context, limit = 100, scope: WebhookScope = {}): Promise<FailedWebhook[]> {
  const want = Math.max(1, limit);
  if (scope.tenant === undefined) return (await ctx.queues.webhooks.getFailed(0, want - 1)).filter(Boolean).map(describe);
  const out: FailedWebhook[] = [];
  for (let start = 0; out.length < want; start += PAGE) {
    const page = (await ctx.queues.webhooks.getFailed(start, start + PAGE - 1)).filter(Boolean);
    if (page.length === 0) break;
    for (const job of page) if (inScope(job, scope) && out.length < want) out.push(describe(job));
  }
  return out;
}

/**
 * Re-sends failed events: each gets a new retry window of WEBHOOK_RETRY_FOR and the same webhook-id and body.
 * Unknown ids (never failed, already re-sent, or expired) are refused with WEBHOOK_NOT_FOUND before any is sent.
 */
export async function retryWebhooks(ctx: Context, which: string[] | 'all', scope: WebhookScope = {}): Promise<{ retried: string[] }> {
  const q = ctx.queues.webhooks;
  const retried: string[] = [];
  if (which === 'all') {
    // The failed set is read whole before any is re-sent: an event failing again at once (a receiver still
    // answering 410) must not come round in this same call.
    // Ids only: a page of jobs carries their bodies, and thousands may have failed during an outage.
    const ids: string[] = [];
    for (let start = 0; ; start += PAGE) {
      const page = (await q.getFailed(start, start + PAGE - 1)).filter(Boolean);
      if (page.length === 0) break;
      ids.push(...page.filter((j) => inScope(j, scope)).map((j) => j.data.id));
    }
    for (const id of ids) {
      const job = await q.getJob(id);
      if (!job || !(await job.isFailed())) continue;
      await resend(job);
      retried.push(id);
    }
  } else {
    const found = await Promise.all(
      which.map(async (id) => {
        const job = await q.getJob(id);
        // Another tenant's event is as unknown as one that never failed: no probing which ids exist.
        return job && inScope(job, scope) && (await job.isFailed()) ? job : undefined;
      }),
    );
    const jobs = found.filter((job) => job !== undefined);
    const missing = which.filter((_, i) => !found[i]);
    if (missing.length > 0) {
      throw new SmsqError(
        'WEBHOOK_NOT_FOUND',
        `No failed webhook event ${missing.join(', ')} (never failed, already re-sent, or expired); list them with smsq webhooks failed.`,
        { missing },
      );
    }
    for (const job of jobs) {
      await resend(job);
      retried.push(job.data.id);
    }
  }
  if (retried.length > 0) ctx.log.info({ count: retried.length }, 'failed webhook events re-sent');
  return { retried };
}

async function resend(job: WebhookJob): Promise<void> {
  await job.updateData({ ...job.data, since: Date.now() });
  await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  metrics.webhookEvents.labels(job.data.type, 'retried').inc();
}

type WebhookJob = JobOf<'webhooks'>;

function describe(job: WebhookJob): FailedWebhook {
  const d = job.data;
  return {
    id: d.id,
    type: d.type,
    campaignId: d.campaignId,
    url: displayUrl(d.url),
    attempts: job.attemptsMade,
    reason: job.failedReason,
    createdAt: d.createdAt,
    failedAt: job.finishedOn ?? 0,
  };
}
