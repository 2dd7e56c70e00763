import { isIP } from 'node:net';
import type { EnvReader } from './env';

/** A token or password shorter than this is refused: these guard a public address. */
const MIN_SECRET_LENGTH = 16;

/** `smsq server`: the HTTP API, the campaign console, bull-board and /metrics. */
export interface ServerConfig {
  /** `SERVER_PORT` (`--port` overrides it); 0 picks a free port. @defaultValue 3000 */
  port: number;
  /** `SERVER_HOST`: the address to listen on when the dashboard has credentials; without them the server stays on 127.0.0.1. @defaultValue `'0.0.0.0'` */
  host: string;
  /**
   * `SERVER_ALLOWED_HOSTS`: host names (`name` or `name:port`) a request's Host header may carry when the server has
   * no dashboard login and so listens on 127.0.0.1, besides 127.0.0.1, localhost and [::1] on its own port. Any other
   * Host is refused there: a web page whose name resolves to 127.0.0.1 (DNS rebinding) must not read the console.
   * @defaultValue [] (none)
   */
  allowedHosts: string[];
  /** `API_TOKEN`: the bearer token of the /v1 API (and of /metrics), at least 16 characters; without it every /v1 call is refused. @defaultValue undefined */
  apiToken?: string;
  /** `DASHBOARD_USER` and `DASHBOARD_PASSWORD`: the basic-auth login of the console and bull-board, both or neither. @defaultValue undefined */
  dashboard?: { user: string; password: string };
  /** `DASHBOARD_READ_ONLY`: bull-board without retry/remove/clean/pause buttons, and a console without actions. @defaultValue false */
  dashboardReadOnly: boolean;
  /** `API_JSON_BODY_LIMIT`: the largest JSON body of POST /v1/campaigns, in bytes. @defaultValue 10485760 (10 MB) */
  jsonBodyLimit: number;
  /**
   * `API_STREAM_BODY_LIMIT`: the largest streamed (NDJSON or CSV) body of POST /v1/campaigns, in bytes, counted while
   * it streams. An upload is staged in Redis as it arrives, at about its own size (60,000 lines `number,orderId` of
   * 23 bytes took 1.3 MB of Redis's used_memory), so the limit bounds what one upload can hold of a `noeviction`
   * Redis: 128 MiB is some 5 million such recipients, and a few such uploads at once fit a Redis of a few GB.
   * @defaultValue 134217728 (128 MiB)
   */
  streamBodyLimit: number;
  /**
   * `TRUST_PROXY`: which reverse proxies' `X-Forwarded-For` gives a request's client address (the address tracked
   * links' LINK_MISS_LIMIT counts by, and logs show): `true` (any), a hop count (`1`: the nearest one), or addresses
   * and CIDR ranges, comma-separated (`10.0.0.0/8,127.0.0.1`). Empty: none; the client is the connection's peer.
   * @defaultValue false
   */
  trustProxy: boolean | number | string[];
}

export function readServerConfig(r: EnvReader): ServerConfig {
  const apiToken = r.str('API_TOKEN') || undefined;
  if (apiToken !== undefined && apiToken.length < MIN_SECRET_LENGTH) {
    r.problems.push(`API_TOKEN is shorter than ${MIN_SECRET_LENGTH} characters: use a random one (openssl rand -hex 24)`);
  }
  const user = r.str('DASHBOARD_USER');
  const password = r.str('DASHBOARD_PASSWORD');
  if (Boolean(user) !== Boolean(password)) r.problems.push('DASHBOARD_USER and DASHBOARD_PASSWORD must be set together');
  if (user.includes(':')) r.problems.push('DASHBOARD_USER must not contain ":" (HTTP basic auth cannot carry it)');
  if (password && password.length < MIN_SECRET_LENGTH) {
    r.problems.push(`DASHBOARD_PASSWORD is shorter than ${MIN_SECRET_LENGTH} characters: use a random one (openssl rand -hex 24)`);
  }
  return {
    port: r.int('SERVER_PORT', 3000, 0, 65_535),
    host: r.str('SERVER_HOST', '0.0.0.0'),
    allowedHosts: readAllowedHosts(r),
    apiToken,
    dashboard: user && password ? { user, password } : undefined,
    dashboardReadOnly: r.bool('DASHBOARD_READ_ONLY', false),
    jsonBodyLimit: r.int('API_JSON_BODY_LIMIT', 10 * 1024 * 1024, 1_024, 1024 * 1024 * 1024),
    streamBodyLimit: r.int('API_STREAM_BODY_LIMIT', 128 * 1024 * 1024, 1_024, 64 * 1024 * 1024 * 1024),
    trustProxy: readTrustProxy(r),
  };
}

/** TRUST_PROXY as Fastify's trustProxy takes it; a value that is none of its forms is a problem, never a guess. */
function readTrustProxy(r: EnvReader): boolean | number | string[] {
  const raw = r.str('TRUST_PROXY').trim();
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d{1,2}$/.test(raw) && Number(raw) >= 1) return Number(raw);
  const entries = raw.split(',').map((e) => e.trim());
  const bad = entries.find((e) => !isAddressOrRange(e));
  if (bad === undefined && entries.length <= 64) return entries;
  r.problems.push(
    `TRUST_PROXY=${raw.slice(0, 80)} is not true, a hop count from 1 to 99, or up to 64 addresses or CIDR ranges (10.0.0.0/8,127.0.0.1)`,
  );
  return false;
}

function isAddressOrRange(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** Longest SERVER_ALLOWED_HOSTS entry: a DNS name is at most 253 characters, plus a port. */
const MAX_HOST_LENGTH = 260;

function readAllowedHosts(r: EnvReader): string[] {
  const raw = r.str('SERVER_ALLOWED_HOSTS');
  const hosts = raw
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const h of hosts) {
    if (h.length > MAX_HOST_LENGTH || !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(h)) {
      r.problems.push(
        `SERVER_ALLOWED_HOSTS has "${h}": give host names as name or name:port, comma-separated (sms.example.com,sms.example.com:8443)`,
      );
    }
  }
  return hosts;
}
