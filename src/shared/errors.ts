/**
 * The error catalogue: every error a user of the library, CLI or API can meet, each defined once with its stable
 * code, its HTTP status, its meaning and whose fault it is. The HTTP API answers with `status` (server/errors.ts),
 * the CLI prints `[CODE]`, and docs/http-api.md's table is checked against this one (test/unit/error-catalogue).
 * Callers branch on `code`, never on the message.
 */
export interface ErrorEntry {
  /** The HTTP API's status for it. */
  readonly status: number;
  /**
   * The caller has to change something of its own (the request, the input, the timing, its account) before the
   * same call can succeed. False when something else is in the way — Redis, the gateway, the server's
   * configuration or another run — and the same call may succeed later.
   */
  readonly callerFault: boolean;
  /** What it means, in one sentence; docs/http-api.md says more. */
  readonly meaning: string;
}

/** Errors the library throws as SmsqError; the HTTP API and the CLI pass them on with the same code. */
const LIBRARY_ERRORS = {
  CONFIG_INVALID: {
    status: 500,
    callerFault: false,
    meaning: 'A configuration variable is missing or invalid; the message names each one.',
  },
  VALIDATION_FAILED: {
    status: 422,
    callerFault: true,
    meaning: 'The campaign has bad rows or a bad field; nothing was queued. `details.rows` lists each row.',
  },
  INPUT_UNREADABLE: {
    status: 400,
    callerFault: true,
    meaning: 'The recipients file or stream could not be parsed (e.g. malformed CSV quoting or JSON).',
  },
  CSV_HEADER_INVALID: {
    status: 422,
    callerFault: true,
    meaning:
      'The CSV header names a column twice, has no number column, or lacks a column the template needs; the message names the columns the file has. Nothing was queued.',
  },
  INPUT_CHANGED: {
    status: 409,
    callerFault: true,
    meaning:
      'The recipients file changed between its validating reading and its staging: the campaign sends the batches staged before the change, the rest was not queued.',
  },
  STAGING_STOPPED: {
    status: 503,
    callerFault: false,
    meaning:
      'The campaign was queued and sends what was staged, but staging the rest stopped (a read or Redis error); queue it again with the same campaignId and rows to stage the rest.',
  },
  CAMPAIGN_EMPTY: {
    status: 422,
    callerFault: true,
    meaning: 'No valid recipient (an empty list, or every row invalid): nothing was queued and no campaign was created.',
  },
  CAMPAIGN_NOT_FOUND: { status: 404, callerFault: true, meaning: 'No campaign with that id (never queued, or its results have expired).' },
  CAMPAIGN_CONFLICT: {
    status: 409,
    callerFault: true,
    meaning: 'That campaign id is already used by a campaign with different content or recipients.',
  },
  // 409, not 423: the id is in use by another request right now; Retry-After says when to try again.
  CAMPAIGN_BUSY: { status: 409, callerFault: false, meaning: 'Another producer is queueing a campaign with that id right now.' },
  CAMPAIGN_FINISHED: {
    status: 409,
    callerFault: true,
    meaning: 'The campaign has already ended; it cannot be cancelled, paused or resumed.',
  },
  NOTHING_TO_RESEND: {
    status: 422,
    callerFault: true,
    meaning:
      'No recipient of the campaign has a status asked for, or every one is suppressed or at the frequency cap now: no campaign was created.',
  },
  CAMPAIGN_STARTED: {
    status: 409,
    callerFault: true,
    meaning: 'The campaign is no longer scheduled (it started, or ended); it cannot be rescheduled.',
  },
  CAMPAIGN_ACTIVE: { status: 409, callerFault: true, meaning: 'The campaign is still sending; settle or resend it once it has ended.' },
  // A bug, not a request: smsq's own code asked for a move its lifecycle table (campaign/lifecycle.ts) does not list.
  TRANSITION_NOT_ALLOWED: {
    status: 500,
    callerFault: false,
    meaning:
      "smsq asked to change a campaign's state in a way its lifecycle does not allow (a bug); nothing was changed. The message names both states and those allowed.",
  },
  CAMPAIGN_NOT_RESENDABLE: {
    status: 409,
    callerFault: true,
    meaning:
      'The campaign was cancelled or failed, or smsq resend already queued its not-sent recipients in another campaign; they are not sent again from this one.',
  },
  BALANCE_INSUFFICIENT: {
    status: 402,
    callerFault: true,
    meaning: 'The gateway balance (plus credit) does not cover the campaign at the last known price; nothing was queued.',
  },
  BUDGET_EXCEEDED: { status: 422, callerFault: true, meaning: "The campaign's estimated cost is above its maxCost; nothing was queued." },
  UNKNOWN_ACCOUNT: {
    status: 422,
    callerFault: true,
    meaning:
      'The campaign pins a gateway account that is not configured; nothing was queued. The message names it and lists those configured.',
  },
  GATEWAY_NOT_CONFIGURED: {
    status: 503,
    callerFault: false,
    meaning: 'This needs the gateway credentials (SMS_API_KEY, SMS_API_SECRET, SMS_APP_ID).',
  },
  GATEWAY_QUERY_FAILED: {
    status: 502,
    callerFault: false,
    meaning: 'A query to the gateway (getSentRcd, getBalance) failed; nothing was changed.',
  },
  REDIS_UNAVAILABLE: { status: 503, callerFault: false, meaning: 'Redis cannot be reached at REDIS_URL.' },
  // Redis, not the request, has to change: 503 with Retry-After, as for an unreachable Redis.
  REDIS_FULL: {
    status: 503,
    callerFault: false,
    meaning:
      'Redis is full (maxmemory reached under noeviction) and refused a write; nothing was half-kept. Free memory or raise maxmemory.',
  },
  REDIS_READONLY: {
    status: 503,
    callerFault: false,
    meaning:
      'Redis refuses writes (a read-only replica, too few replicas for min-replicas-to-write, or a failing disk save); `details.reason` has its code.',
  },
  // The service cannot keep its promise on this Redis until an operator changes it: not the client's fault.
  REDIS_VOLATILE: {
    status: 503,
    callerFault: false,
    meaning:
      'Redis persists nothing (no AOF, no RDB save): workers do not start and campaigns are not queued on it, unless REDIS_ALLOW_VOLATILE=true.',
  },
  // The code keeps the old word (settling by hand was `smsq reconcile`): callers branch on it, and a code is never renamed.
  RECONCILE_BUSY: {
    status: 409,
    callerFault: false,
    meaning: "The campaign's unknown recipients are being settled by another run (the automatic settle job or another `smsq settle`).",
  },
  RECIPIENT_NOT_FOUND: {
    status: 404,
    callerFault: true,
    meaning: 'The number is not a recipient of the campaign (never in its list, an invalid row, or a duplicate skipped).',
  },
  WEBHOOK_NOT_FOUND: {
    status: 404,
    callerFault: true,
    meaning: 'No failed webhook event with that id (never failed, already re-sent, or expired).',
  },
  ACCOUNT_NOT_FOUND: {
    status: 404,
    callerFault: true,
    meaning: 'No gateway account of that name is configured (SMS_ACCOUNTS); the message lists those that are.',
  },
  KEY_NOT_FOUND: { status: 404, callerFault: true, meaning: 'No API key with that id (`smsq keys list` shows them).' },
  LANE_NOT_ALLOWED: {
    status: 403,
    callerFault: true,
    meaning: "The tenant's limits do not allow the campaign's priority (lane); nothing was queued. The message names the lanes it may use.",
  },
  TENANT_RATE_LIMIT: {
    status: 422,
    callerFault: true,
    meaning: "The campaign's maxRate is above the tenant's maxRate; nothing was queued.",
  },
  DAILY_LIMIT_REACHED: {
    status: 429,
    callerFault: true,
    meaning:
      'The campaign would take the tenant past its recipients or spend per day (UTC); nothing was queued. `details` has the limit, what is used and when the day ends.',
  },
  SPEND_NOT_ESTIMATED: {
    status: 422,
    callerFault: true,
    meaning:
      "The tenant has a spend limit per day and the campaign's cost cannot be estimated (no price known, recipients without a price, or prices in several currencies); nothing was queued.",
  },
} as const satisfies Record<string, ErrorEntry>;

/** The HTTP API's own errors, about the request itself; the library never throws them. */
const API_ERRORS = {
  UNAUTHORIZED: { status: 401, callerFault: true, meaning: 'No or a wrong token or login, or the server has none set for this route.' },
  FORBIDDEN: {
    status: 403,
    callerFault: true,
    meaning:
      "The key's scope does not allow this route (a `read` key changing something, a tenant key on an admin route), the request comes from an address that is not allowed, or it asks a read-only dashboard to change something.",
  },
  CROSS_SITE_REQUEST: {
    status: 403,
    callerFault: true,
    meaning: "A request that changes something does not show it comes from this server's own pages; nothing changed.",
  },
  HOST_NOT_ALLOWED: {
    status: 403,
    callerFault: true,
    meaning: 'Without a dashboard login, the Host header is not a loopback name or a SERVER_ALLOWED_HOSTS name.',
  },
  BAD_REQUEST: {
    status: 400,
    callerFault: true,
    meaning: 'The request has the wrong shape: an unknown field, a wrong type, unparsable JSON or a filter that does not exist.',
  },
  NOT_FOUND: { status: 404, callerFault: true, meaning: 'No such route.' },
  PAYLOAD_TOO_LARGE: { status: 413, callerFault: true, meaning: 'The body is larger than this server accepts; nothing was queued.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    callerFault: true,
    meaning: 'The body has a Content-Type this route does not read; `details.accepted` lists those it does.',
  },
  INTERNAL_ERROR: { status: 500, callerFault: false, meaning: "A bug: the server's log has the details." },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof LIBRARY_ERRORS;
export type ApiErrorCode = keyof typeof API_ERRORS;

/** Every code, the library's and the HTTP API's own: the one table the statuses and the docs come from. */
export const ERROR_CATALOGUE: Readonly<Record<ErrorCode | ApiErrorCode, ErrorEntry>> = Object.freeze({ ...LIBRARY_ERRORS, ...API_ERRORS });

/** The library's codes with their meaning (the public list the package exports). */
export const ERROR_CODES: Readonly<Record<ErrorCode, string>> = Object.freeze(
  Object.fromEntries(Object.entries(LIBRARY_ERRORS).map(([code, e]) => [code, e.meaning])) as Record<ErrorCode, string>,
);

export class SmsqError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'SmsqError';
  }
}
