import { isIP } from 'node:net';

/** The environment as read: `process.env`, or a plain object in tests. */
export type Env = Record<string, string | undefined>;

export const HOUR_MS = 3_600_000;

/**
 * Reads one variable at a time. A bad value adds a message naming the variable and what it should be, and the
 * fallback is used, so that loadConfig can name every bad variable in one error instead of stopping at the first.
 * An empty value counts as unset.
 */
export class EnvReader {
  readonly problems: string[] = [];
  /** Old names of renamed variables that were read, each with the name to use instead. */
  readonly deprecated: string[] = [];
  constructor(private readonly env: Env) {}

  /**
   * The name to read a renamed variable by: `name` when it is set, else its old name `was` when that is set (and
   * noted in `deprecated`), so that an environment written for an older version keeps its meaning.
   */
  renamed(name: string, was: string): string {
    if (this.isSet(name) || !this.isSet(was)) return name;
    this.deprecated.push(`${was} is deprecated: use ${name}`);
    return was;
  }

  private isSet(name: string): boolean {
    return this.env[name] !== undefined && this.env[name] !== '';
  }

  str(name: string, fallback?: string): string {
    const v = this.env[name];
    return v === undefined || v === '' ? (fallback ?? '') : v;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name}=${raw} is not a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (/^(1|true|yes)$/i.test(raw)) return true;
    if (/^(0|false|no)$/i.test(raw)) return false;
    this.problems.push(`${name}=${raw} is not true or false`);
    return fallback;
  }

  /** A URL with one of `protocols`, without its trailing slashes; a password in it never reaches a message. */
  url(name: string, fallback: string, protocols: string[]): string {
    const raw = this.str(name, fallback);
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
    } catch {
      this.problems.push(`${name}=${redactUrl(raw)} is not a ${protocols.join(' or ')} URL`);
    }
    return raw.replace(/\/+$/, '');
  }

  /** `host:port,host:port` (IPv6 in brackets); undefined when empty. */
  hostPorts(name: string): Array<{ host: string; port: number }> | undefined {
    const raw = this.str(name);
    if (!raw) return undefined;
    const nodes = raw
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean)
      .map((n) => {
        const m = /^(.+):(\d{1,5})$/.exec(n);
        if (!m) this.problems.push(`${name} entry "${n}" is not host:port`);
        return { host: m?.[1].replace(/^\[|\]$/g, '') ?? '', port: Number(m?.[2] ?? 0) };
      });
    return nodes.length > 0 ? nodes : undefined;
  }

  /** A secret carried in a push URL's path (DLR_TOKEN, REPLY_TOKEN); undefined when unset. */
  pathToken(name: string): string | undefined {
    const token = this.str(name) || undefined;
    if (token !== undefined && !/^[A-Za-z0-9_-]{16,256}$/.test(token)) {
      // It travels in a URL path the vendor's staff type in: letters, digits, - and _ only.
      this.problems.push(`${name} must be 16 to 256 letters, digits, - or _ (e.g. openssl rand -hex 24)`);
    }
    return token;
  }

  /** Addresses and CIDR ranges allowed to push (DLR_ALLOWED_IPS, REPLY_ALLOWED_IPS); empty when unset. */
  ipList(name: string): string[] {
    const allowedIps = this.str(name)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const entry of allowedIps)
      if (!isIpOrCidr(entry)) this.problems.push(`${name} entry "${entry}" is not an IP address or CIDR range`);
    return allowedIps;
  }
}

/** Hides the password of a URL such as redis://:secret@host before it reaches a message. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/([^/@]*)@/, (_m, auth: string) => `//${auth.includes(':') ? auth.split(':')[0] + ':***' : '***'}@`);
}

/** "24h", "90m", "30s", "500ms", or a plain number of milliseconds; null when it is none of these. */
export function parseDuration(raw: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(raw);
  if (!m) return null;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS }[(m[2] ?? 'ms') as 'ms'];
  return Math.round(Number(m[1]) * unit);
}

function isIpOrCidr(entry: string): boolean {
  const [ip, bits, extra] = entry.split('/');
  const family = isIP(ip);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

export function deepFreeze<T extends object>(o: T): Readonly<T> {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(o);
}
