import { lua, runScript } from './lua';
import type { RedisClient } from './connection';

/**
 * Locks held in Redis by a random token (taken with `SET key token PX ms NX`): the staging lock of a campaign being
 * queued, the pollers' run locks, a campaign's settle lock. A holder may outlive its lock (a long pause) and
 * another process take it, so release and renewal act only while the key still holds the holder's token.
 */

/** Deletes the lock only if it is still this holder's; 1 when it was. */
const RELEASE_LOCK = lua<[lock: string], [token: string], 0 | 1>('release-lock');

/** Extends the lock only if it is still this holder's; 1 when it was. */
const RENEW_LOCK = lua<[lock: string], [token: string, ms: string], 0 | 1>('renew-lock');

export function releaseLock(redis: RedisClient, key: string, token: string): Promise<0 | 1> {
  return runScript(redis, RELEASE_LOCK, [key], [token]);
}

export function renewLock(redis: RedisClient, key: string, token: string, ms: number): Promise<0 | 1> {
  return runScript(redis, RENEW_LOCK, [key], [token, String(ms)]);
}
