import { createHash } from 'node:crypto';
import type { RedisClient } from './redis';

const shas = new Map<string, string>();

/**
 * Runs a Lua script by its SHA1 (EVALSHA), sending its text only when Redis does not know it yet (after a
 * restart, or on a cluster node seeing it first): the batch scripts run several times per batch.
 */
export async function runScript(redis: RedisClient, script: string, keys: string[], args: string[]): Promise<unknown> {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (err) {
    // NOSCRIPT is Redis's error code for an unknown SHA; its reply starts with it.
    if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
    return redis.eval(script, keys.length, ...keys, ...args);
  }
}
