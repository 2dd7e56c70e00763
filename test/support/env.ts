import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { Config, loadConfig } from '../../src/shared/config';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A queue prefix of this test file's own, so files running in parallel never see each other's jobs. */
export function uniquePrefix(name: string): string {
  return `t-${name}-${randomBytes(4).toString('hex')}`;
}

/** Environment as a user would set it, with short timings so retries and stalls play out in seconds. */
export function testEnv(prefix: string, gatewayUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    SMS_API_BASE_URL: gatewayUrl,
    SMS_BACKOFF_MS: '20',
    SMS_RESPONSE_TIMEOUT_MS: '2000',
    SMS_CONNECT_TIMEOUT_MS: '1000',
    WORKER_LOCK_DURATION_MS: '4000',
    WORKER_STALLED_INTERVAL_MS: '2000',
    SHUTDOWN_GRACE_MS: '5000',
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

/** The configuration a worker started with testEnv would read. */
export function testConfig(prefix: string, gatewayUrl: string, overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(prefix, gatewayUrl, overrides), { requireGateway: true });
}

/** Deletes every key under a prefix: each test file leaves Redis as it found it. */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await redis.unlink(...found);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Polls until `check` returns a value other than undefined, or fails with `what` after the timeout. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
