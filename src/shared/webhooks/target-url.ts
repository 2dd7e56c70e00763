/** Longest callback URL accepted: it is stored with the campaign and copied into every event's job. */
const MAX_URL_LENGTH = 2_048;

/**
 * Why `raw` cannot receive webhooks, as a phrase that follows the variable's name, or null when it can.
 * Only http(s): other schemes (file:, ftp:, data:, gopher:) would make the worker read or call things that are
 * not a web receiver. Internal addresses are not refused here — a name can resolve anywhere at send time — so
 * the README tells operators to restrict them at the network (see "Webhooks: internal addresses").
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

/** A URL as it may be shown (failed-event lists, logs): no credentials, no query string, which may hold tokens. */
export function displayUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
