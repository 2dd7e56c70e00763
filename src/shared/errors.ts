/**
 * Every error a user of the library, CLI or API can meet, with a stable code. The README lists them.
 * Callers branch on `code`, never on the message.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'A configuration variable is missing or invalid; the message names each one.',
  VALIDATION_FAILED: 'The campaign has bad rows or a bad field; nothing was queued. `details.rows` lists each row.',
  INPUT_UNREADABLE: 'The recipients file or stream could not be parsed (e.g. malformed CSV quoting or JSON).',
  CSV_HEADER_INVALID: 'The CSV header names a column twice, has no number column, or lacks a column the template needs; the message names the columns the file has. Nothing was queued.',
  INPUT_CHANGED: 'The recipients file changed between its validating reading and its staging: the campaign sends the batches staged before the change, the rest was not queued.',
  STAGING_STOPPED: 'The campaign was queued and sends what was staged, but staging the rest stopped (a read or Redis error); queue it again with the same campaignId and rows to stage the rest.',
  CAMPAIGN_EMPTY: 'No valid recipient (an empty list, or every row invalid): nothing was queued and no campaign was created.',
  CAMPAIGN_NOT_FOUND: 'No campaign with that id (never queued, or its results have expired).',
  CAMPAIGN_CONFLICT: 'That campaign id is already used by a campaign with different content or recipients.',
  CAMPAIGN_BUSY: 'Another producer is queueing a campaign with that id right now.',
  CAMPAIGN_FINISHED: 'The campaign has already ended; it cannot be cancelled, paused or resumed.',
  CAMPAIGN_STARTED: 'The campaign is no longer scheduled (it started, or ended); it cannot be rescheduled.',
  CAMPAIGN_ACTIVE: 'The campaign is still sending; reconcile it once it has ended.',
  CAMPAIGN_NOT_RESENDABLE: 'The campaign was cancelled or failed; its not-sent recipients are not sent again.',
  BALANCE_INSUFFICIENT: 'The gateway balance (plus credit) does not cover the campaign at the last known price; nothing was queued.',
  BUDGET_EXCEEDED: "The campaign's estimated cost is above its maxCost; nothing was queued.",
  GATEWAY_NOT_CONFIGURED: 'This needs the gateway credentials (SMS_API_KEY, SMS_API_SECRET, SMS_APP_ID).',
  GATEWAY_QUERY_FAILED: 'A query to the gateway (getSentRcd, getBalance) failed; nothing was changed.',
  REDIS_UNAVAILABLE: 'Redis cannot be reached at REDIS_URL.',
  REDIS_FULL: 'Redis is full (maxmemory reached under noeviction) and refused a write; nothing was half-kept. Free memory or raise maxmemory.',
  REDIS_READONLY: 'Redis refuses writes (a read-only replica, too few replicas for min-replicas-to-write, or a failing disk save); `details.reason` has its code.',
  REDIS_VOLATILE: 'Redis persists nothing (no AOF, no RDB save): workers do not start and campaigns are not queued on it, unless REDIS_ALLOW_VOLATILE=true.',
  RECONCILE_BUSY: "The campaign's unknown recipients are being settled by another run (automatic settling or another reconcile).",
  WEBHOOK_NOT_FOUND: 'No failed webhook event with that id (never failed, already re-sent, or expired).',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

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
