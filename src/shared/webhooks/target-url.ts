/** A URL as it may be shown (failed-event lists, logs): no credentials, no query string, which may hold tokens. */
export function displayUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
