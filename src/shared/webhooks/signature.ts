/**
 * The Standard Webhooks signature (https://www.standardwebhooks.com): HMAC-SHA256 over `id.timestamp.body`
 * with the secret's bytes, sent as `webhook-signature: v1,<base64>`. Node's own crypto does the HMAC; the tests
 * check both directions against the reference `standardwebhooks` package.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_SECRET_PREFIX as PREFIX } from '../config';

/** Receivers refuse timestamps further than this from their clock (the reference libraries' tolerance). */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** The HMAC key of a `whsec_` secret: the bytes of its base64 part. */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', signingKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The three headers of one delivery attempt: the timestamp is the attempt's, as the spec says. */
export function webhookHeaders(secret: string, id: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, id, timestamp, body) };
}

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

type Headers = Record<string, string | string[] | undefined> | { get(name: string): string | null };

/**
 * Checks a received webhook: the signature over the exact body bytes, and a timestamp within five minutes of
 * this clock (replays are refused). Returns the parsed event; throws WebhookVerificationError otherwise.
 * `headers` may be Node's IncomingHttpHeaders, a plain object in any case, or a fetch Headers.
 */
export function verifyWebhook<T = unknown>(secret: string, headers: Headers, body: string | Buffer, now = Date.now()): T {
  const header = (name: string): string | undefined => {
    if (typeof (headers as { get?: unknown }).get === 'function')
      return (headers as { get(n: string): string | null }).get(name) ?? undefined;
    const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
    const v = entry?.[1] as string | string[] | undefined;
    return Array.isArray(v) ? v[0] : v;
  };
  const id = header('webhook-id');
  const ts = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !ts || !signatures) throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature header');
  const timestamp = Number(ts);
  if (!/^\d+$/.test(ts)) throw new WebhookVerificationError('webhook-timestamp is not a whole number of seconds');
  if (Math.abs(now / 1000 - timestamp) > TIMESTAMP_TOLERANCE_SECONDS)
    throw new WebhookVerificationError('webhook-timestamp is more than 5 minutes from this clock');
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const expected = Buffer.from(signWebhook(secret, id, timestamp, text).slice(3), 'base64');
  for (const versioned of signatures.split(' ')) {
    const [version, sig] = versioned.split(',');
    if (version !== 'v1' || !sig) continue;
    const given = Buffer.from(sig, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return JSON.parse(text) as T;
  }
  throw new WebhookVerificationError('no matching signature');
}
