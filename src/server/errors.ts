/**
 * Every error the HTTP API answers, as `{ error: { code, message, details? } }` with a stable code and the status
 * the error catalogue (shared/errors.ts) gives it. SmsqError codes keep their names; ApiError carries the API's own.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE, SmsqError, type ApiErrorCode, type ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { asRedisError, REDIS_RETRY_AFTER_SECONDS } from '../shared/redis/errors';

/**
 * What POST /v1/campaigns reads (the only route with a body and a choice of types; delivery reports take any):
 * a 415 lists them.
 */
export const ACCEPTED_MEDIA_TYPES = ['application/json', 'application/x-ndjson', 'application/ndjson', 'text/csv'] as const;

/** Answers that mean "Redis, not this request": they carry Retry-After. */
const REDIS_CODES: ReadonlySet<string> = new Set<ErrorCode>(['REDIS_UNAVAILABLE', 'REDIS_FULL', 'REDIS_READONLY']);

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

interface Answer {
  status: number;
  body: ErrorBody;
}

/** The answer for a code of the catalogue, with the status the catalogue gives it. */
function answer(code: ErrorCode | ApiErrorCode, message: string, details?: Record<string, unknown>): Answer {
  return { status: ERROR_CATALOGUE[code].status, body: { error: details ? { code, message, details } : { code, message } } };
}

/**
 * Decides from the error's class, code and status — never from its message. `redisReady` turns an unexpected
 * failure while Redis is down (a command refused by a closed connection) into REDIS_UNAVAILABLE.
 */
export function toAnswer(err: unknown, redisReady: boolean): Answer {
  if (err instanceof ApiError) return answer(err.code, err.message, err.details);
  if (err instanceof SmsqError) return answer(err.code, err.message, err.details);
  // Redis refusing a write (full, read-only) or gone, met by any route: 503 with its code, never a 500.
  const refused = asRedisError(err);
  if (refused) return answer(refused.code, refused.message, refused.details);
  const e = err as Partial<FastifyError>;
  if (e.validation) {
    const where = e.validationContext ?? 'request';
    const problems = e.validation.map((v) => {
      const field = (v.params as { additionalProperty?: unknown }).additionalProperty;
      const path = v.instancePath || '/';
      // Ajv says "must NOT have additional properties" without the property; the caller needs its name.
      return typeof field === 'string'
        ? { path, field, message: `${where} has an unknown field "${field}"${path === '/' ? '' : ` in ${path}`}` }
        : { path, message: v.message ?? 'is invalid' };
    });
    const unknown = problems.filter((p) => 'field' in p);
    const message = unknown.length > 0 ? unknown.map((p) => p.message).join('; ') : (e.message ?? 'the request does not match its schema');
    return answer('BAD_REQUEST', message, { problems });
  }
  if (e.statusCode === 413) return answer('PAYLOAD_TOO_LARGE', 'the request body is larger than this server accepts');
  if (e.statusCode === 415) {
    return answer(
      'UNSUPPORTED_MEDIA_TYPE',
      `${e.message ?? 'unsupported Content-Type'}; this route accepts ${ACCEPTED_MEDIA_TYPES.join(', ')}`,
      {
        accepted: [...ACCEPTED_MEDIA_TYPES],
      },
    );
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return answer('BAD_REQUEST', e.message ?? 'bad request');
  }
  if (!redisReady) {
    return answer('REDIS_UNAVAILABLE', 'Redis cannot be reached at REDIS_URL; the server reconnects by itself.');
  }
  return answer('INTERNAL_ERROR', 'an unexpected error; the server log has its details');
}

/** Fastify's error handler for the whole server (bull-board keeps its own inside its plugin). */
export function errorHandler(log: Logger, redisReady: () => boolean) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toAnswer(err, redisReady());
    if (status >= 500) log.error({ err, method: req.method, url: req.routeOptions.url }, 'request failed');
    closeIfUnread(req, reply);
    if (body.error.code === 'CAMPAIGN_BUSY') reply.header('retry-after', '1');
    if (REDIS_CODES.has(body.error.code)) reply.header('retry-after', String(REDIS_RETRY_AFTER_SECONDS));
    return reply.status(status).send(body);
  };
}

/**
 * Answers `err` from a hook, rather than throwing it: a hook of bull-board's routes would have its error answered
 * by bull-board's own handler, in bull-board's shape.
 */
export function sendError(req: FastifyRequest, reply: FastifyReply, err: ApiError): FastifyReply {
  const { status, body } = toAnswer(err, true);
  closeIfUnread(req, reply);
  return reply.code(status).send(body);
}

/**
 * A client still sending a body we refuse (too large, unauthorized, unreadable) gets the answer, then the
 * connection closes: otherwise Node would read and discard the rest of a possibly huge upload.
 */
export function closeIfUnread(req: FastifyRequest, reply: FastifyReply): void {
  if (!req.raw.complete) reply.header('connection', 'close');
}
