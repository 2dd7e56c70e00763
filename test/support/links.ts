import { request, type Agent } from 'node:http';

/** A phone's browser, as a person following a short link. */
export const BROWSER_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
/** WhatsApp's link preview: a robot. */
export const WHATSAPP_UA = 'WhatsApp/2.23.20.0 A';

export interface Followed {
  status: number | undefined;
  location: string | undefined;
  body: string;
}

/**
 * Follows a short link `<server>/<code>` over real HTTP without following its redirect: its status, Location and
 * body. `userAgent: null` sends none (node:http adds none of its own).
 */
export function followLink(
  server: string,
  code: string,
  opts: { userAgent?: string | null; method?: 'GET' | 'HEAD'; agent?: Agent } = {},
): Promise<Followed> {
  const userAgent = opts.userAgent === undefined ? BROWSER_UA : opts.userAgent;
  return new Promise((resolve, reject) => {
    const req = request(
      `${server}/${code}`,
      { method: opts.method ?? 'GET', agent: opts.agent, headers: userAgent === null ? {} : { 'user-agent': userAgent }, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end();
  });
}
