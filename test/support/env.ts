import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { type Config } from '../../src/shared/config';
import { loadConfig } from '../../src/shared/load-config';
import { createRedis, type RedisClient } from '../../src/shared/redis/connection';

// Most test files import their waiting from here, with the rest of their setup.
export { waitFor, waitUntil } from './wait-for';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Set by `npm run test:cluster`: the same suites then run on a three-master Redis Cluster. */
export const REDIS_CLUSTER_NODES = process.env.REDIS_CLUSTER_NODES;

/**
 * A queue prefix of this test file's own, so files running in parallel never see each other's jobs;
 * a hash tag on a cluster, as docs/operations.md tells users.
 */
export function uniquePrefix(name: string): string {
  const prefix = `t-${name}-${randomBytes(4).toString('hex')}`;
  return REDIS_CLUSTER_NODES ? `{${prefix}}` : prefix;
}

/** A connection of the test's own to the Redis (or cluster) under test. */
export function testRedis(): RedisClient {
  return createRedis({ redisUrl: REDIS_URL, redisClusterNodes: redisClusterNodes() }, 'client');
}

function redisClusterNodes() {
  return REDIS_CLUSTER_NODES?.split(',').map((n) => ({ host: n.split(':')[0], port: Number(n.split(':')[1]) }));
}

/** Every key matching a pattern, on every master of a cluster. */
export async function keysMatching(redis: RedisClient, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const found: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/** Environment as a user would set it, with short timings so retries and stalls play out in seconds. */
export function testEnv(prefix: string, gatewayUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    REDIS_URL,
    ...(REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES } : {}),
    QUEUE_PREFIX: prefix,
    SMS_API_BASE_URL: gatewayUrl,
    SMS_BACKOFF_MS: '20',
    SMS_RESPONSE_TIMEOUT_MS: '2000',
    SMS_CONNECT_TIMEOUT_MS: '1000',
    WORKER_LOCK_DURATION_MS: '4000',
    WORKER_STALLED_INTERVAL_MS: '2000',
    SHUTDOWN_GRACE_MS: '5000',
    LOG_LEVEL: 'silent',
    // Most suites check what one run of a campaign does, `unknown` included; the settling suites turn it on.
    SMS_AUTO_SETTLE: 'false',
    // The shared test Redis persists nothing on purpose (tests delete what they write).
    REDIS_ALLOW_VOLATILE: 'true',
    ...overrides,
  };
}

/** The configuration a worker started with testEnv would read. */
export function testConfig(prefix: string, gatewayUrl: string, overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(prefix, gatewayUrl, overrides), { requireGateway: true });
}

/** Deletes every key under a prefix: each test file leaves Redis as it found it. */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = testRedis();
  try {
    // One key at a time: on a cluster a multi-key UNLINK must stay within one slot.
    for (const key of await keysMatching(redis, `${prefix}:*`)) await redis.unlink(key);
  } finally {
    redis.disconnect();
  }
}
