import type { EnvReader } from './env';

/** Tracked links: where the short links a campaign's texts carry point, so that smsq itself answers them. */
export interface LinksConfig {
  /**
   * `LINK_BASE_URL`: the public address that reaches `smsq server`, a short domain (`https://s.example.com`) or a
   * path on one (`https://sms.example.com/l`); a tracked link is it, `/` and the link's code. Without it a campaign
   * with trackLinks is refused. Stored without a trailing `/`. @defaultValue undefined
   */
  baseUrl?: string;
  /** The path `smsq server` answers links under: LINK_BASE_URL's path (`''` for a domain of its own, `/l` above). @defaultValue `''` */
  basePath: string;
  /**
   * `LINK_MISS_LIMIT`: unknown codes one client address may ask for in a minute; past it, its link requests are
   * answered `429` until the minute ends (against guessing codes). 0: no limit. @defaultValue 60
   */
  missLimit: number;
}

/** A short link's base longer than this defeats its purpose: a 30-character link is what keeps a text one segment. */
const MAX_BASE_URL_LENGTH = 100;

/** The characters a base's path may hold: letters, digits and `- . _ ~ /`, so that it is a route prefix as it is. */
const BASE_PATH = /^(\/[A-Za-z0-9._~-]+)*$/;

export function readLinksConfig(r: EnvReader): LinksConfig {
  const missLimit = r.int('LINK_MISS_LIMIT', 60, 0, 1_000_000);
  const raw = r.str('LINK_BASE_URL').replace(/\/+$/, '');
  if (!raw) return { basePath: '', missLimit };
  const problem = checkBaseUrl(raw);
  if (typeof problem === 'string') {
    r.problems.push(`LINK_BASE_URL=${raw.slice(0, MAX_BASE_URL_LENGTH)} ${problem}`);
    return { basePath: '', missLimit };
  }
  return { baseUrl: raw, basePath: problem.path, missLimit };
}

function checkBaseUrl(raw: string): string | { path: string } {
  if (raw.length > MAX_BASE_URL_LENGTH) return `is longer than ${MAX_BASE_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL such as https://s.example.com';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http:// or https:// URL';
  if (url.search || url.hash || url.username || url.password) return 'must have no query, fragment or login';
  const path = url.pathname.replace(/\/+$/, '');
  if (!BASE_PATH.test(path)) return 'has a path that is not plain segments of letters, digits and - . _ ~';
  // The URL as written (without its trailing `/`) must be the URL as parsed, so that what a text carries is what
  // a browser sends back: no default port, upper-case host or dot segment that the parser would rewrite.
  if (`${url.origin}${path}` !== raw) return `must be written as ${url.origin}${path}`;
  return { path };
}
