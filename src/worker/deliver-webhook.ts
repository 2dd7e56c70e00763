import { UnrecoverableError } from 'bullmq';
import { backoffDelay } from '../shared/time/backoff';
import type { WebhookConfig } from '../shared/config';
import type { Logger } from '../shared/logger';
import { metrics } from '../shared/metrics';
import type { JobOf } from '../shared/queues';
import { WEBHOOK_EVENT_TYPES, type WebhookJobResult } from '../shared/webhooks/events';
import { sealMatches } from '../shared/webhooks/job-seal';
import type { OwnerWebhook, OwnerWebhooks } from '../shared/webhooks/owner-webhook';
import { displayUrl } from '../shared/webhooks/target-url';
import { post, type WebhookAgents } from './webhook-post';

/** A failed attempt that will be retried after `delayMs` (read by the queue's back-off strategy). */
export class WebhookAttemptError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'WebhookAttemptError';
  }
}

/** BullMQ's back-off strategy for the webhooks queue: the delay the failed attempt decided. */
export function webhookBackoff(attemptsMade: number, _type?: string, err?: Error): number {
  return err instanceof WebhookAttemptError ? err.delayMs : 1_000 * attemptsMade;
}

/**
 * The delay before retry `n` (1 = the first retry): WEBHOOK_BACKOFF_MS doubled each time up to
 * WEBHOOK_BACKOFF_MAX_MS (an hour: beyond it a day of retries would be a handful of attempts), with
 * ±50% jitter so that the events a receiver's outage failed together do not all come back in the same second.
 */
export function retryDelay(config: WebhookConfig, n: number, random = Math.random()): number {
  return backoffDelay(n, config.backoffMs, config.backoffMaxMs, random);
}

/**
 * One delivery attempt of one event: POSTs the stored body, signed with this attempt's timestamp and its owner's
 * secret (WEBHOOK_SECRET, or its tenant's: shared/webhooks/owner-webhook.ts). 2xx delivers; 410 Gone fails the event
 * at once; anything else is retried until WEBHOOK_RETRY_FOR has passed since the first attempt (or since an
 * operator re-sent it), then the event fails and stays listed.
 */
export async function deliverWebhook(
  config: WebhookConfig,
  owners: OwnerWebhooks,
  agents: WebhookAgents,
  job: JobOf<'webhooks'>,
  log: Logger,
): Promise<WebhookJobResult> {
  const data = job.data;
  const attempt = job.attemptsMade + 1;
  const type = WEBHOOK_EVENT_TYPES.includes(data.type) ? data.type : 'other';
  // The stored campaign id says whose secret seals the job; the seal covers it, so a job cannot change owner.
  const owner = await owners.of(String(data.campaignId));
  const secret = owner.secret;
  if (!secret) {
    if (owner.tenant === undefined)
      throw new UnrecoverableError(
        'WEBHOOK_SECRET is not set on this worker: events cannot be signed; set it and re-send (smsq webhooks retry --all)',
      );
    metrics.webhookEvents.labels(type, 'untargeted').inc();
    throw new UnrecoverableError(
      `refused: tenant ${owner.tenant} has no webhook now (removed since this event was created), so it has no secret to sign it with; nothing was sent, here or anywhere else`,
    );
  }
  // Checked before anything is signed or sent: a job that smsq did not make (or that was changed since) would be
  // a forged event, validly signed, POSTed wherever its data says.
  if (!sealMatches(secret, data)) {
    metrics.webhookEvents.labels(type, 'unsealed').inc();
    log.warn(
      { webhookId: String(data.id).slice(0, 100), jobId: job.id, ...(owner.tenant !== undefined ? { tenant: owner.tenant } : {}) },
      `webhook job refused: it was not created by smsq with ${secretName(owner)} (added to the queue by something else, changed since, or made before the secret changed); nothing was sent`,
    );
    throw new UnrecoverableError(
      `refused: this job was not sealed by smsq with ${secretName(owner)} (added to the queue from outside smsq, changed since, or made before the secret changed); nothing was sent`,
    );
  }
  if (owner.tenant !== undefined && !(await owners.stillTargets(owner, data.campaignId, data.url))) {
    metrics.webhookEvents.labels(type, 'untargeted').inc();
    throw new UnrecoverableError(
      `refused: tenant ${owner.tenant}'s webhook URL changed since this event was created; it is not sent to the address the tenant left`,
    );
  }
  const result = await post(config, secret, agents, data);
  if (result.ok) {
    metrics.webhookEvents.labels(data.type, 'delivered').inc();
    metrics.webhookLatency.observe(Math.max(0, Date.now() - data.createdAt) / 1000);
    return { status: result.status, attempts: attempt };
  }
  metrics.webhookFailures.labels(result.label).inc();
  const where = { webhookId: data.id, type: data.type, campaignId: data.campaignId, url: displayUrl(data.url), attempt };
  if (result.status === 410) {
    metrics.webhookEvents.labels(data.type, 'gone').inc();
    gone.note(log, where);
    throw new UnrecoverableError(`HTTP 410 Gone: the receiver wants no more of this event (attempt ${attempt})`);
  }
  const delay = Math.max(retryDelay(config, attempt), Math.min(result.retryAfterMs ?? 0, config.backoffMaxMs));
  if (Date.now() + delay > data.since + config.retryForMs) {
    metrics.webhookEvents.labels(data.type, 'exhausted').inc();
    exhausted.note(log, { ...where, reason: result.reason });
    throw new UnrecoverableError(`${result.reason}; gave up after ${attempt} attempts (WEBHOOK_RETRY_FOR)`);
  }
  log.debug({ ...where, reason: result.reason, delay }, 'webhook attempt failed; will retry');
  throw new WebhookAttemptError(`${result.reason} (attempt ${attempt})`, delay);
}

function secretName(owner: OwnerWebhook): string {
  return owner.tenant === undefined ? 'this WEBHOOK_SECRET' : `tenant ${owner.tenant}'s webhook secret`;
}

/**
 * At most one warning a minute per kind of failure: a receiver dead for a day (or answering 410 to everything)
 * fails every event, and the metric counts them all; the log says it is happening, with how many since its last line.
 */
class ThrottledWarning {
  private lastAt = 0;
  private count = 0;

  constructor(private readonly message: string) {}

  note(log: Logger, fields: Record<string, unknown>): void {
    this.count++;
    if (Date.now() - this.lastAt < 60_000) return;
    log.warn({ ...fields, events: this.count }, this.message);
    this.lastAt = Date.now();
    this.count = 0;
  }
}

const gone = new ThrottledWarning('webhook receiver answered 410 Gone: these events are not retried; list them with smsq webhooks failed');
const exhausted = new ThrottledWarning('webhook events failed: retries exhausted (WEBHOOK_RETRY_FOR); list them with smsq webhooks failed');
