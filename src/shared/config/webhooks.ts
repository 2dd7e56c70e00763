import { HOUR_MS, parseDuration, type EnvReader } from './env';

/** Signed webhooks: where campaign events go and how their delivery is retried. */
export interface WebhookConfig {
  /** `WEBHOOK_URL`: where every campaign's events go unless the campaign gives its own callbackUrl; undefined: none. @defaultValue undefined */
  url?: string;
  /** `WEBHOOK_SECRET`: the Standard Webhooks signing secret, `whsec_` + base64 of 24-64 random bytes. @defaultValue undefined */
  secret?: string;
  /** `WEBHOOK_RETRY_FOR` (`24h`, `90m`, `30s`, `500ms`): attempts are retried, with exponential back-off and jitter, until this long after the first one. @defaultValue 86400000 (24 h) */
  retryForMs: number;
  /** `WEBHOOK_BACKOFF_MS`: the first retry delay; doubles each attempt (±50% jitter) up to backoffMaxMs. @defaultValue 5000 */
  backoffMs: number;
  /** `WEBHOOK_BACKOFF_MAX_MS`: the longest delay between two attempts. @defaultValue 3600000 (1 h) */
  backoffMaxMs: number;
  /** `WEBHOOK_TIMEOUT_MS`: the whole-request timeout of one delivery attempt; must stay below WORKER_LOCK_DURATION_MS. @defaultValue 10000, or half of WORKER_LOCK_DURATION_MS if lower */
  timeoutMs: number;
  /** `WEBHOOK_CONCURRENCY`: events delivered at once by one worker process. @defaultValue 16 */
  concurrency: number;
  /** `WEBHOOK_MAX_QUEUED`: events waiting for delivery beyond which new ones are dropped (a dead receiver costs bounded Redis); also the clicks that may wait for their `link.clicked` event (the oldest dropped). @defaultValue 20000 */
  maxQueued: number;
}

// The rules for a webhook URL and secret live here, with the variables they check; a campaign's callbackUrl
// (producer/enqueue.ts) is held to the same URL rule.

/** Longest callback URL accepted: it is stored with the campaign and copied into every event's job. */
const MAX_URL_LENGTH = 2_048;

/**
 * Why `raw` cannot receive webhooks, as a phrase that follows the variable's name, or null when it can.
 * Only http(s): other schemes (file:, ftp:, data:, gopher:) would make the worker read or call things that are
 * not a web receiver. Internal addresses are not refused here — a name can resolve anywhere at send time — so
 * docs/webhooks.md tells operators to restrict them at the network (see "Webhooks: internal addresses").
 */
export function checkWebhookUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.trim() === '') return 'must be an http:// or https:// URL';
  if (raw.length > MAX_URL_LENGTH) return `is longer than ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL (expected http://host/path or https://host/path)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must be an http:// or https:// URL, not ${url.protocol}: webhooks are only POSTed to web receivers`;
  }
  if (!url.hostname) return 'has no host';
  return null;
}

/** A Standard Webhooks secret is this prefix, then base64 (webhooks/signature.ts signs with the bytes after it). */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const PREFIX = WEBHOOK_SECRET_PREFIX;
/** The spec asks for at least 24 random bytes; 64 is the most an HMAC-SHA256 key uses without hashing it first. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/** Why the secret is unusable, as a phrase after its name, or null. */
export function checkWebhookSecret(secret: string): string | null {
  if (!secret.startsWith(PREFIX)) return `must start with ${PREFIX} followed by base64 (Standard Webhooks secret format)`;
  const b64 = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return `must be ${PREFIX} followed by base64`;
  const n = Buffer.from(b64, 'base64').length;
  if (n < MIN_KEY_BYTES || n > MAX_KEY_BYTES) return `must hold ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes (it holds ${n})`;
  return null;
}

/** Reads WEBHOOK_*; a delivery attempt must end before the job lock does, or another worker would send it too. */
export function readWebhookConfig(r: EnvReader, lockDurationMs: number): WebhookConfig {
  const raw = r.str('WEBHOOK_URL');
  const urlProblem = raw ? checkWebhookUrl(raw) : null;
  if (urlProblem) r.problems.push(`WEBHOOK_URL ${urlProblem}`);
  const secret = r.str('WEBHOOK_SECRET') || undefined;
  const secretProblem = secret === undefined ? null : checkWebhookSecret(secret);
  if (secretProblem) r.problems.push(`WEBHOOK_SECRET ${secretProblem}`);
  if (raw && !secret)
    r.problems.push(
      `WEBHOOK_URL is set without WEBHOOK_SECRET: events must be signed (generate one: echo "whsec_$(openssl rand -base64 32)")`,
    );
  // Its default stays within a short lock, so that lowering WORKER_LOCK_DURATION_MS alone is never an error.
  const timeoutMs = r.int('WEBHOOK_TIMEOUT_MS', Math.max(100, Math.min(10_000, Math.floor(lockDurationMs / 2))), 100, 300_000);
  if (timeoutMs >= lockDurationMs)
    r.problems.push(`WEBHOOK_TIMEOUT_MS (${timeoutMs}) must be below WORKER_LOCK_DURATION_MS (${lockDurationMs})`);
  const retryFor = r.str('WEBHOOK_RETRY_FOR', '24h');
  const retryForMs = parseDuration(retryFor);
  if (retryForMs === null || retryForMs < 0 || retryForMs > 30 * 24 * HOUR_MS)
    r.problems.push(`WEBHOOK_RETRY_FOR=${retryFor} is not a duration up to 30 days (e.g. 24h, 90m, 30s, 500ms)`);
  return {
    url: raw && !urlProblem ? raw : undefined,
    secret,
    retryForMs: retryForMs ?? 24 * HOUR_MS,
    backoffMs: r.int('WEBHOOK_BACKOFF_MS', 5_000, 1, HOUR_MS),
    backoffMaxMs: r.int('WEBHOOK_BACKOFF_MAX_MS', HOUR_MS, 1, 24 * HOUR_MS),
    timeoutMs,
    concurrency: r.int('WEBHOOK_CONCURRENCY', 16, 1, 256),
    maxQueued: r.int('WEBHOOK_MAX_QUEUED', 20_000, 1, 10_000_000),
  };
}
