/**
 * Every error the HTTP API answers, as `{ error: { code, message, details? } }` with a stable code (README:
 * "HTTP API errors"). SmsqError codes keep their names; the codes below are the API's own.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../shared/errors';
import { SmsqError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { asRedisError, REDIS_RETRY_AFTER_SECONDS } from '../shared/redis/errors';

/**
 * What POST /v1/campaigns reads (the only route with a body and a choice of types; delivery reports take any):
 * a 415 lists them.
 */
export const ACCEPTED_MEDIA_TYPES = ['application/json', 'application/x-ndjson', 'application/ndjson', 'text/csv'] as const;

export const API_ERROR_STATUS = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  CROSS_SITE_REQUEST: 403,
  HOST_NOT_ALLOWED: 403,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_ERROR: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** The status of each library error; a Record, so a new SmsqError code cannot be forgotten here. */
export const SMSQ_ERROR_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 422,
  CAMPAIGN_EMPTY: 422,
  INPUT_UNREADABLE: 400,
  CSV_HEADER_INVALID: 422,
  INPUT_CHANGED: 409,
  STAGING_STOPPED: 503,
  CAMPAIGN_NOT_FOUND: 404,
  CAMPAIGN_CONFLICT: 409,
  // 409, not 423: the id is in use by another request right now; Retry-After says when to try again.
  CAMPAIGN_BUSY: 409,
  CAMPAIGN_FINISHED: 409,
  CAMPAIGN_ACTIVE: 409,
  CAMPAIGN_STARTED: 409,
  RECONCILE_BUSY: 409,
  CAMPAIGN_NOT_RESENDABLE: 409,
  BALANCE_INSUFFICIENT: 402,
  BUDGET_EXCEEDED: 422,
  GATEWAY_NOT_CONFIGURED: 503,
  GATEWAY_QUERY_FAILED: 502,
  REDIS_UNAVAILABLE: 503,
  // Redis, not the request, has to change: 503 with Retry-After, as for an unreachable Redis.
  REDIS_FULL: 503,
  REDIS_READONLY: 503,
  // The service cannot keep its promise on this Redis until an operator changes it: not the client's fault.
  REDIS_VOLATILE: 503,
  CONFIG_INVALID: 500,
  WEBHOOK_NOT_FOUND: 404,
};

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

function answer(status: number, code: string, message: string, details?: Record<string, unknown>): Answer {
  return { status, body: { error: details ? { code, message, details } : { code, message } } };
}

/**
 * Decides from the error's class, code and status — never from its message. `redisReady` turns an unexpected
 * failure while Redis is down (a command refused by a closed connection) into REDIS_UNAVAILABLE.
 */
export function toAnswer(err: unknown, redisReady: boolean): Answer {
  if (err instanceof ApiError) return answer(API_ERROR_STATUS[err.code], err.code, err.message, err.details);
  if (err instanceof SmsqError) return answer(SMSQ_ERROR_STATUS[err.code], err.code, err.message, err.details);
  // Redis refusing a write (full, read-only) or gone, met by any route: 503 with its code, never a 500.
  const refused = asRedisError(err);
  if (refused) return answer(SMSQ_ERROR_STATUS[refused.code], refused.code, refused.message, refused.details);
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
    const message = unknown.length > 0 ? unknown.map((p) => p.message).join('; ') : e.message ?? 'the request does not match its schema';
    return answer(400, 'BAD_REQUEST', message, { problems });
  }
  if (e.statusCode === 413) return answer(413, 'PAYLOAD_TOO_LARGE', 'the request body is larger than this server accepts');
  if (e.statusCode === 415) {
    return answer(415, 'UNSUPPORTED_MEDIA_TYPE', `${e.message ?? 'unsupported Content-Type'}; this route accepts ${ACCEPTED_MEDIA_TYPES.join(', ')}`, {
      accepted: [...ACCEPTED_MEDIA_TYPES],
    });
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return answer(400, 'BAD_REQUEST', e.message ?? 'bad request');
  }
  if (!redisReady) {
    return answer(503, 'REDIS_UNAVAILABLE', 'Redis cannot be reached at REDIS_URL; the server reconnects by itself.');
  }
  return answer(500, 'INTERNAL_ERROR', 'an unexpected error; the server log has its details');
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
