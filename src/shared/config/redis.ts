import type { EnvReader } from './env';

type HostPort = { host: string; port: number };

/**
 * - `none`: the in-flight record is written to the primary only (asynchronous replication).
 * - `replica`: `WAIT 1 <timeout>`: a replica has it before the call is made.
 * - `aof`: `WAITAOF 1 0 <timeout>`: the primary's AOF has it fsynced (Redis 7.2+).
 */
export type DurabilityMode = 'none' | 'replica' | 'aof';

/** What a call's in-flight record must reach before the call is made. */
export interface DurabilityConfig {
  /** `REDIS_DURABILITY`. Not on Redis Cluster. @defaultValue `'none'` */
  mode: DurabilityMode;
  /** `REDIS_DURABILITY_TIMEOUT_MS`: how long a call waits for the acknowledgement before the batch goes back unsent. @defaultValue 1000 */
  timeoutMs: number;
}

/** Redis: where it is, how smsq's keys are named, how long they are kept and how durable an in-flight record is. */
export interface RedisOptions {
  /** `REDIS_URL` (`redis://` or `rediss://`, with `user:password@` if needed). @defaultValue `'redis://127.0.0.1:6379'` */
  redisUrl: string;
  /**
   * Redis Cluster seed nodes (`REDIS_CLUSTER_NODES=host:port,...`); the credentials and TLS of REDIS_URL apply to
   * every node. Undefined: a single Redis at REDIS_URL.
   * @defaultValue undefined
   */
  redisClusterNodes?: ReadonlyArray<HostPort>;
  /**
   * Redis Sentinel (`REDIS_SENTINELS=host:port,...` and `REDIS_SENTINEL_NAME`): workers and producers ask the
   * sentinels for the current primary and follow a failover. REDIS_URL's credentials and TLS (rediss:) apply to
   * the primary (its host and port are not used), its TLS to the sentinels too, whose own password is
   * `REDIS_SENTINEL_PASSWORD`. Undefined: no sentinel.
   * @defaultValue undefined
   */
  redisSentinel?: { nodes: ReadonlyArray<HostPort>; name: string; password?: string };
  /** `QUEUE_PREFIX`, the prefix of every key; wrap it in braces (`{smsq}`) on Redis Cluster. @defaultValue `'smsq'` */
  queuePrefix: string;
  /** `RESULT_RETENTION_SECONDS`: how long results, campaign records and finished jobs are kept. @defaultValue 604800 (7 days) */
  resultRetentionSeconds: number;
  /** `EVENTS_MAX_LEN`: approximate length of BullMQ's events stream, which copies every batch result. @defaultValue 1000 */
  eventsMaxLen: number;
  /** What a call's in-flight record must reach before the call is made (`REDIS_DURABILITY`). */
  durability: DurabilityConfig;
  /**
   * `REDIS_ALLOW_VOLATILE`: let workers start, and producers queue, on a Redis that persists nothing (no AOF, no
   * RDB `save`). Such a Redis restarted forgets every campaign and every record of what was sent, so it is refused
   * unless allowed (tests, the demo, the bench).
   * @defaultValue false
   */
  allowVolatile: boolean;
}

export function readRedisOptions(r: EnvReader): RedisOptions {
  const queuePrefix = r.str('QUEUE_PREFIX', 'smsq');
  if (!/^[A-Za-z0-9_{}.-]{1,64}$/.test(queuePrefix)) {
    r.problems.push(`QUEUE_PREFIX=${queuePrefix} may hold only letters, digits, _ . - { } (1-64 characters)`);
  }
  const redisClusterNodes = r.hostPorts('REDIS_CLUSTER_NODES');
  const cluster = redisClusterNodes !== undefined;
  if (cluster && !/\{[^}]+\}/.test(queuePrefix)) {
    // Without a hash tag BullMQ's keys spread over slots, and its multi-key scripts fail on a cluster.
    r.problems.push(`QUEUE_PREFIX=${queuePrefix} needs a hash tag on Redis Cluster, e.g. {${queuePrefix.replace(/[{}]/g, '')}}`);
  }
  return {
    redisUrl: r.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    redisClusterNodes,
    queuePrefix,
    resultRetentionSeconds: r.int('RESULT_RETENTION_SECONDS', 7 * 24 * 3600, 60, 366 * 24 * 3600),
    eventsMaxLen: r.int('EVENTS_MAX_LEN', 1_000, 10, 1_000_000),
    durability: readDurability(r, cluster),
    allowVolatile: r.bool('REDIS_ALLOW_VOLATILE', false),
    redisSentinel: readSentinel(r, cluster),
  };
}

function readSentinel(r: EnvReader, cluster: boolean): RedisOptions['redisSentinel'] {
  const nodes = r.hostPorts('REDIS_SENTINELS');
  const name = r.str('REDIS_SENTINEL_NAME');
  if (!nodes) {
    if (name) r.problems.push('REDIS_SENTINEL_NAME is set without REDIS_SENTINELS (host:port,... of the sentinels)');
    return undefined;
  }
  if (!name) r.problems.push('REDIS_SENTINELS needs REDIS_SENTINEL_NAME, the name the sentinels monitor the primary under (e.g. mymaster)');
  if (cluster) r.problems.push('REDIS_SENTINELS and REDIS_CLUSTER_NODES cannot both be set: a Redis Cluster fails over by itself');
  return { nodes, name, password: r.str('REDIS_SENTINEL_PASSWORD') || undefined };
}

function readDurability(r: EnvReader, cluster: boolean): DurabilityConfig {
  const raw = r.str('REDIS_DURABILITY', 'none');
  const modes: DurabilityMode[] = ['none', 'replica', 'aof'];
  const mode = (modes as string[]).includes(raw) ? (raw as DurabilityMode) : 'none';
  if (mode !== raw) r.problems.push(`REDIS_DURABILITY=${raw} is not one of none, replica, aof`);
  // ioredis sends a keyless WAIT to any node of a cluster, not to the primary that took the write.
  if (cluster && mode !== 'none')
    r.problems.push(
      `REDIS_DURABILITY=${mode} is not supported on Redis Cluster; use none, or a primary with replicas behind REDIS_SENTINELS`,
    );
  return { mode, timeoutMs: r.int('REDIS_DURABILITY_TIMEOUT_MS', 1_000, 10, 60_000) };
}
