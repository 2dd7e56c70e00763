/**
 * Redis refusing work, told apart from a bug: full (`maxmemory` reached under `noeviction`), read-only (a replica,
 * too few replicas for `min-replicas-to-write`, or a failing disk save), or unreachable. Each becomes one error code
 * the API answers with 503 and `Retry-After`, and a worker meets by putting its job back without using an attempt.
 */
import { SmsqError } from '../errors';

export type RedisRefusal = 'full' | 'read-only' | 'unreachable';

/**
 * The first word of a Redis error reply is its code (RESP's convention, kept by Lua scripts' errors too), so this
 * reads the code, not the prose after it. EXECABORT (a MULTI refused) carries the reply that caused it.
 */
const REPLY_CODES: Record<string, RedisRefusal> = {
  OOM: 'full',
  READONLY: 'read-only',
  NOREPLICAS: 'read-only',
  MISCONF: 'read-only',
  MASTERDOWN: 'unreachable',
  LOADING: 'unreachable',
  CLUSTERDOWN: 'unreachable',
};

/**
 * Errors ioredis raises itself when it has no connection to send on (names, not messages). A socket error code
 * (ECONNREFUSED…) is not read as Redis: ioredis reports those as events, and a command fails with one of these
 * instead, while the same codes on a job's error are the gateway's (a batch that could not reach it).
 */
const CONNECTION_ERRORS = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

export function redisRefusal(err: unknown): RedisRefusal | null {
  return classify(err)?.refusal ?? null;
}

/** The refusal and the Redis error code behind it (the code of the reply that aborted a transaction). */
function classify(err: unknown): { refusal: RedisRefusal; code: string } | null {
  if (!(err instanceof Error)) return null;
  const e = err as Error & { code?: unknown; previousErrors?: unknown };
  if (e.name === 'ReplyError') {
    const code = e.message.slice(0, e.message.search(/\s|$/));
    if (code === 'EXECABORT' && Array.isArray(e.previousErrors)) {
      for (const previous of e.previousErrors) {
        const found = classify(previous);
        if (found) return found;
      }
      return null;
    }
    const refusal = REPLY_CODES[code];
    return refusal ? { refusal, code } : null;
  }
  if (CONNECTION_ERRORS.has(e.name)) return { refusal: 'unreachable', code: e.name };
  // ioredis' own words for a command given to a connection that is closed or never opened.
  if (e.message === 'Connection is closed.' || e.message === "Stream isn't writeable and enableOfflineQueue options is false") {
    return { refusal: 'unreachable', code: e.name };
  }
  return null;
}

const ERROR_OF: Record<RedisRefusal, (code: string, outcome: string) => SmsqError> = {
  full: (_code, outcome) =>
    new SmsqError('REDIS_FULL', `Redis is full (maxmemory reached, OOM)${outcome}. Free memory or raise maxmemory, then try again.`),
  'read-only': (code, outcome) =>
    new SmsqError(
      'REDIS_READONLY',
      `Redis refuses writes (${code}: a replica, too few replicas, or a failing disk save)${outcome}. Point REDIS_URL at the primary, or fix its replicas or disk, then try again.`,
      { reason: code },
    ),
  unreachable: (_code, outcome) =>
    new SmsqError('REDIS_UNAVAILABLE', `Redis cannot be reached at REDIS_URL${outcome}; try again once it is back.`),
};

/**
 * The user-facing error for a Redis refusal, or null for any other error; `outcome` says what became of the
 * request (", nothing was queued"). The cause named is Redis' error code only: an ioredis error also carries the
 * command and its arguments (recipients), which never go further.
 */
export function asRedisError(err: unknown, outcome = ''): SmsqError | null {
  if (err instanceof SmsqError) return null;
  const found = classify(err);
  return found ? ERROR_OF[found.refusal](found.code, outcome) : null;
}

/** How long a caller should wait before trying again, for `Retry-After`: an operator has to act, or Redis to return. */
export const REDIS_RETRY_AFTER_SECONDS = 30;
