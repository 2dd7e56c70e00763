import IORedis, { Cluster, type Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config';
import { redactUrl } from '../config';
import { SmsqError } from '../errors';

/** A single Redis or a Redis Cluster: the same commands, so the rest of the code does not care which. */
export type RedisClient = Redis | Cluster;

/**
 * - `worker`: BullMQ workers must wait out a Redis restart, so commands are retried forever
 *   (`maxRetriesPerRequest: null`, which BullMQ requires for workers).
 * - `client`: producers and admin commands fail fast, so that a caller learns at once that Redis is down
 *   instead of hanging (BullMQ's going-to-production guide).
 */
export type ConnectionRole = 'worker' | 'client';

export function createRedis(config: Pick<Config, 'redisUrl' | 'redisClusterNodes' | 'redisSentinel'>, role: ConnectionRole): RedisClient {
  const opts: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 2, connectTimeout: 5_000, retryStrategy: (times) => Math.min(times * 200, 2_000) };
  const redis: RedisClient = config.redisClusterNodes
    ? new Cluster([...config.redisClusterNodes], { redisOptions: { ...opts, ...urlOptions(config.redisUrl) }, enableReadyCheck: true })
    : config.redisSentinel
      ? connectAgainIfEnded(new IORedis(sentinelOptions(config.redisSentinel, config.redisUrl, opts)))
      : new IORedis(config.redisUrl, { ...opts, lazyConnect: false });
  // Errors surface through the commands that fail; this only keeps ioredis from printing unhandled noise.
  redis.on('error', () => undefined);
  return redis;
}

/** Credentials and TLS of REDIS_URL, applied to every node of a cluster. */
function urlOptions(url: string): RedisOptions {
  const u = new URL(url);
  return {
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/**
 * ioredis asks the sentinels for the primary of `name`, and asks again when it loses it. The failover detector
 * listens to the sentinels' +switch-master, and a READONLY answer (a demoted primary still reached) reconnects
 * too, so that writes follow the promotion at once rather than at the next broken connection.
 * REDIS_URL's credentials and TLS apply to the primary; its TLS also to the sentinels, whose password is
 * REDIS_SENTINEL_PASSWORD (sentinels usually have none of their own).
 */
function sentinelOptions(s: NonNullable<Config['redisSentinel']>, url: string, opts: RedisOptions): RedisOptions {
  const auth = urlOptions(url);
  return {
    ...opts,
    ...auth,
    sentinels: s.nodes.map((n) => ({ host: n.host, port: n.port })),
    name: s.name,
    sentinelPassword: s.password,
    enableTLSForSentinelMode: auth.tls !== undefined,
    sentinelTLS: auth.tls,
    failoverDetector: true,
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
}

/** How long a Sentinel client that ended by itself waits before it connects again. */
const CONNECT_AGAIN_AFTER_MS = 100;

/**
 * Works around a race in ioredis 5's failover detector (sentinelOptions). On +switch-master it closes the connector,
 * and when that message comes while a reconnect is still asking a sentinel where the primary is, that connect fails
 * ("Connection is closed.") and the client goes to status `end`, which ioredis never leaves by itself: every later
 * command fails at once, and one that was on the dead primary's socket is never answered. A worker whose connection
 * ended never finishes its batch jobs (BullMQ retries their moves on it forever, so it fetches no more); one whose
 * in-flight record connection ended fails every batch at BEGIN_CALL. Each sentinel publishes +switch-master and
 * the reconnects ask the sentinels again and again, so a failover gives the race several chances: sentinel.test.ts
 * stalled in about one run in three on a loaded machine. So a Sentinel client that ends without having been closed
 * (quit, disconnect) connects again; the commands left unanswered are re-sent once it is ready
 * (autoResendUnfulfilledCommands), as after any reconnect, and a batch run whose commands failed is re-run, its
 * in-flight record deciding what it may send.
 */
function connectAgainIfEnded(redis: Redis): Redis {
  let closed = false;
  const { quit, disconnect } = redis;
  redis.quit = (...args: Parameters<Redis['quit']>) => {
    closed = true;
    return quit.apply(redis, args);
  };
  redis.disconnect = (reconnect = false) => {
    if (!reconnect) closed = true;
    disconnect.call(redis, reconnect);
  };
  redis.on('end', () => {
    if (closed) return;
    setTimeout(() => {
      if (!closed && redis.status === 'end') redis.connect().catch(() => undefined);
    }, CONNECT_AGAIN_AFTER_MS).unref();
  });
  return redis;
}

/** Where Redis is looked for, for messages: REDIS_URL (password hidden), or the sentinels and the name they watch. */
export function describeRedis(config: Pick<Config, 'redisUrl' | 'redisSentinel'>): string {
  if (!config.redisSentinel) return redactUrl(config.redisUrl);
  return `the primary "${config.redisSentinel.name}" of sentinels ${config.redisSentinel.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
}

/** Waits for the first connection; a clear REDIS_UNAVAILABLE error (URL without password) otherwise. */
export async function ensureRedis(redis: RedisClient, where: string, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return;
  try {
    await Promise.race([redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs).unref())]);
  } catch (err) {
    throw new SmsqError(
      'REDIS_UNAVAILABLE',
      `Redis is not reachable at ${where} (${(err as Error).message}). Start one (e.g. redis-server) or set REDIS_URL (or REDIS_SENTINELS).`,
    );
  }
}

/** Closes a connection without hanging when Redis is gone (BullMQ issue #4656 shows close() can hang). */
export async function closeRedis(redis: RedisClient, timeoutMs = 2_000): Promise<void> {
  await Promise.race([redis.quit().catch(() => undefined), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  redis.disconnect();
}
