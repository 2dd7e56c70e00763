import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisClient } from './connection';

/**
 * The Lua scripts live in `scripts/` beside this file, one per file (`finish-batch.lua`), each opening with a header
 * that names its KEYS, its ARGV and its replies; `scripts/includes/` holds the pieces several scripts share. The
 * build copies the folder into dist/ next to the compiled loader; jest reads it from src/.
 */
export const SCRIPTS_DIR = join(__dirname, 'scripts');

/** `--- @include "name"` on a line of its own: replaced by `scripts/includes/name.lua`. */
const INCLUDE = /^--- @include "([a-z0-9-]+)"[ \t]*$/gm;

/**
 * A Lua script with its contract: the KEYS it takes, its ARGV, and what it returns, declared where the script is
 * used (labelled tuples name each key and argument, as the file's header does). Its SHA1 is computed once, when
 * it is loaded.
 */
export interface LuaScript<Keys extends readonly string[], Args extends readonly string[], Reply> {
  /** The file's name without `.lua`. */
  readonly name: string;
  /** The text sent to Redis: the file with its includes expanded. */
  readonly source: string;
  readonly sha: string;
  /** Never set: carries the types, so that runScript checks keys and arguments and types the reply. */
  readonly contract?: { keys: Keys; args: Args; reply: Reply };
}

function readScriptFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new Error(
      `${what} not found at ${file}: the Lua scripts ship beside the code; run npm run build, which copies src/shared/redis/scripts into dist`,
    );
  }
}

/**
 * The script `name` as Redis runs it: the file, each include replaced by its file's text. An include is expanded
 * once per script, where it is first named (a later marker for it is dropped: its functions are defined already).
 */
export function loadScript(name: string): string {
  const expanded = new Set<string>();
  const expand = (text: string, chain: string[]): string =>
    text.replace(INCLUDE, (_line, include: string) => {
      if (chain.includes(include)) throw new Error(`Lua include cycle: ${[...chain, include].join(' -> ')}`);
      if (expanded.has(include)) return '';
      expanded.add(include);
      return expand(
        readScriptFile(join(SCRIPTS_DIR, 'includes', `${include}.lua`), `Lua include "${include}" (named in ${chain[0]}.lua)`),
        [...chain, include],
      ).trimEnd();
    });
  return expand(readScriptFile(join(SCRIPTS_DIR, `${name}.lua`), `Lua script ${name}`), [name]);
}

/**
 * Loads `scripts/<name>.lua` with its contract. `Reply` is what Redis makes of the Lua's return value: a number for
 * an integer, a string, an array for a table, null for false or nil.
 */
export function lua<Keys extends readonly string[], Args extends readonly string[], Reply>(name: string): LuaScript<Keys, Args, Reply> {
  const source = loadScript(name);
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
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
