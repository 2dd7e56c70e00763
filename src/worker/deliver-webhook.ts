import http from 'node:http';
import https from 'node:https';
import { Job, UnrecoverableError } from 'bullmq';
import type { WebhookConfig } from '../shared/config';
import type { Logger } from '../shared/logger';
import { metrics } from '../shared/metrics';
import { unpackBody, type WebhookJobData, type WebhookJobResult } from '../shared/webhooks/events';
import { webhookHeaders } from '../shared/webhooks/signature';
import { displayUrl } from '../shared/webhooks/target-url';

/** A failed attempt that will be retried after `delayMs` (read by the queue's back-off strategy). */
export class WebhookAttemptError extends Error {
  constructor(message: string, readonly delayMs: number) {
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
  const base = Math.min(config.backoffMaxMs, config.backoffMs * 2 ** Math.min(n - 1, 30));
  return Math.round(base * (0.5 + random));
}

type Attempt = { ok: true; status: number } | { ok: false; status?: number; reason: string; label: string; retryAfterMs?: number };

/**
 * One delivery attempt of one event: POSTs the stored body, signed with this attempt's timestamp. 2xx delivers;
 * 410 Gone fails the event at once; anything else is retried until WEBHOOK_RETRY_FOR has passed since the
 * first attempt (or since an operator re-sent it), then the event fails and stays listed.
 */
export async function deliverWebhook(config: WebhookConfig, agents: WebhookAgents, job: Job<WebhookJobData, WebhookJobResult>, log: Logger): Promise<WebhookJobResult> {
  const data = job.data;
  const attempt = job.attemptsMade + 1;
  if (!config.secret) throw new UnrecoverableError('WEBHOOK_SECRET is not set on this worker: events cannot be signed; set it and re-send (smsq webhooks retry --all)');
  const result = await post(config, agents, data);
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

/** Keep-alive agents of one worker's webhook deliveries, one socket per concurrent attempt at most per host. */
export interface WebhookAgents {
  http: http.Agent;
  https: https.Agent;
  destroy(): void;
}

export function webhookAgents(concurrency: number): WebhookAgents {
  const opts = { keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency };
  const agents = { http: new http.Agent(opts), https: new https.Agent(opts) };
  return { ...agents, destroy: () => Object.values(agents).forEach((a) => a.destroy()) };
}

/**
 * One POST, bounded as a whole by WEBHOOK_TIMEOUT_MS. Node's http rather than fetch: a third of the CPU per
 * event here, redirects are not followed (the spec counts a 3xx as a failure: following it would send signed
 * events wherever it points), and no port is refused for being on the Fetch standard's blocked list.
 */
function post(config: WebhookConfig, agents: WebhookAgents, data: WebhookJobData): Promise<Attempt> {
  const text = unpackBody(data.payload);
  const body = Buffer.from(text, 'utf8');
  const url = new URL(data.url);
  const secure = url.protocol === 'https:';
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const finish = (a: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const req = (secure ? https : http).request(url, {
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        'user-agent': 'smsq-webhooks',
        ...webhookHeaders(config.secret!, data.id, text),
      },
    }, (res) => {
      const status = res.statusCode ?? 0;
      // The answer's body is not needed, but read to its end so that the connection can be used again.
      res.resume();
      res.once('end', () => finish(answered(status, res.headers['retry-after'])));
      res.once('error', (err) => finish(unreachable(err)));
    });
    const timer = setTimeout(() => {
      finish({ ok: false, reason: `no answer within WEBHOOK_TIMEOUT_MS (${config.timeoutMs} ms)`, label: 'timeout' });
      req.destroy();
    }, config.timeoutMs);
    req.once('error', (err) => finish(unreachable(err)));
    req.end(body);
  });
}

function answered(status: number, retryAfterHeader: string | undefined): Attempt {
  if (status >= 200 && status < 300) return { ok: true, status };
  const label = status === 410 ? 'http_410' : `http_${Math.floor(status / 100)}xx`;
  const retryAfter = Number(retryAfterHeader);
  return { ok: false, status, reason: `HTTP ${status}`, label, retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined };
}

function unreachable(err: Error & { code?: string }): Attempt {
  return { ok: false, reason: `cannot reach the receiver: ${err.code ?? err.message}`, label: 'connection' };
}
