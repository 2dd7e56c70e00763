import type { DurabilityConfig } from '../config';
import { SmsqError } from '../errors';
import type { Logger } from '../logger';
import type { RedisClient } from './connection';

/** Times each connection has become ready since `connectionEpoch` first looked at it (see waitDurable). */
const readies = new WeakMap<RedisClient, { count: number }>();

/**
 * A number that changes each time the connection (re)connects. Read before the write that `waitDurable` then
 * waits for: if it changed meanwhile, the write and the WAIT may have gone over different connections.
 */
export function connectionEpoch(redis: RedisClient): number {
  let seen = readies.get(redis);
  if (!seen) {
    const counter = { count: 0 };
    redis.on('ready', () => counter.count++);
    readies.set(redis, counter);
    seen = counter;
  }
  return seen.count;
}

/**
 * REDIS_DURABILITY: before a call is made, its in-flight record must have reached a replica (`WAIT`) or the
 * primary's fsynced AOF (`WAITAOF`), so that a failover (or a crash of the primary) cannot lose it and let the
 * batch be sent again. Both commands wait for every write made earlier *on the same connection*: they run on
 * the connection that wrote the record, right after it, and `since` (connectionEpoch before the write) tells
 * whether that connection was replaced meanwhile: then the answer proves nothing, and it is not durable.
 */
export async function waitDurable(redis: RedisClient, durability: DurabilityConfig, since: number): Promise<boolean> {
  const timeout = String(durability.timeoutMs);
  let acknowledged: boolean;
  switch (durability.mode) {
    case 'none':
      return true;
    case 'replica':
      acknowledged = Number(await redis.call('WAIT', '1', timeout)) >= 1;
      break;
    case 'aof': {
      const [local] = (await redis.call('WAITAOF', '1', '0', timeout)) as [number, number];
      acknowledged = Number(local) >= 1;
      break;
    }
  }
  // A reconnect (a failover) between the write and here: ioredis sends the WAIT again on the new connection, where it
  // has no earlier write to wait for and answers at once, though the write may be lost with the old primary.
  return acknowledged && connectionEpoch(redis) === since;
}

/** WAITAOF came with Redis 7.2. */
const WAITAOF_SINCE = [7, 2];

/**
 * Checks at start-up that the Redis can give what REDIS_DURABILITY asks: `aof` needs Redis 7.2+ with
 * appendonly on (a CONFIG_INVALID error otherwise); `replica` only warns without a connected replica, since one
 * may connect later (calls are refused until then).
 */
export async function checkDurability(redis: RedisClient, durability: DurabilityConfig, log: Logger): Promise<void> {
  if (durability.mode === 'none') return;
  const info = (section: string) => redis.info(section).then(parseInfo);
  if (durability.mode === 'aof') {
    const version = (await info('server')).redis_version ?? '0';
    const [major, minor] = version.split('.').map(Number);
    if (major < WAITAOF_SINCE[0] || (major === WAITAOF_SINCE[0] && minor < WAITAOF_SINCE[1])) {
      throw new SmsqError(
        'CONFIG_INVALID',
        `REDIS_DURABILITY=aof needs WAITAOF, which Redis 7.2 added; this Redis is ${version}. Upgrade Redis, or use REDIS_DURABILITY=replica with a replica.`,
      );
    }
    if ((await info('persistence')).aof_enabled !== '1') {
      throw new SmsqError('CONFIG_INVALID', 'REDIS_DURABILITY=aof needs the append-only file on: set appendonly yes on the Redis server.');
    }
  } else if (Number((await info('replication')).connected_slaves ?? 0) === 0) {
    log.warn(
      'REDIS_DURABILITY=replica but this Redis has no connected replica: no call is made until one acknowledges the in-flight records',
    );
  }
}

function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}
