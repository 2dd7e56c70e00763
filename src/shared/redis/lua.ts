import { createHash } from 'node:crypto';
import type { RedisClient } from './connection';

/**
 * A Lua script with its contract: the KEYS it takes, its ARGV, and what it returns, declared once where its
 * text is (labelled tuples name each key and argument). Its SHA1 is computed once, when it is defined.
 */
export interface LuaScript<Keys extends readonly string[], Args extends readonly string[], Reply> {
  readonly source: string;
  readonly sha: string;
  /** Never set: carries the types, so that runScript checks keys and arguments and types the reply. */
  readonly contract?: { keys: Keys; args: Args; reply: Reply };
}

/**
 * Defines a script. `Reply` is what Redis makes of the Lua's return value: a number for an integer, a string, an
 * array for a table, null for false or nil.
 */
export function lua<Keys extends readonly string[], Args extends readonly string[], Reply>(source: string): LuaScript<Keys, Args, Reply> {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs a script by its SHA1 (EVALSHA), sending its text only when Redis does not know it yet (after a
 * restart, or on a cluster node seeing it first): the batch scripts run several times per batch.
 */
export async function runScript<Keys extends readonly string[], Args extends readonly string[], Reply>(
  redis: RedisClient,
  script: LuaScript<Keys, Args, Reply>,
  keys: NoInfer<Keys>,
  args: NoInfer<Args>,
): Promise<Reply> {
  // The one cast of a script's reply: Redis returns what the script's Lua returns, which its definition declares.
  try {
    return (await redis.evalsha(script.sha, keys.length, ...keys, ...args)) as Reply;
  } catch (err) {
    // NOSCRIPT is Redis's error code for an unknown SHA; its reply starts with it.
    if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
    return (await redis.eval(script.source, keys.length, ...keys, ...args)) as Reply;
  }
}

/**
 * A script's `head|tail` string reply split at its first bar (FINISH_BATCH's result and the events it reserved);
 * the head keeps the type the script declares for it.
 */
export function splitReply<Head extends string>(reply: Head | `${Head}|${string}`): [head: Head, tail: string | undefined] {
  const bar = reply.indexOf('|');
  // The script's declared reply type says what comes before the bar.
  return bar < 0 ? [reply as Head, undefined] : [reply.slice(0, bar) as Head, reply.slice(bar + 1)];
}
