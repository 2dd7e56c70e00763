/**
 * JSON schemas of the API, written once: the routes validate requests with them and /openapi.json publishes
 * them. A request of the wrong shape (a field of the wrong type, an unknown field) is a 400 BAD_REQUEST; one
 * of the right shape whose values break the campaign rules (a bad number, content too long) is a 422 from the
 * library's own validation, so the API and the library refuse exactly the same campaigns.
 */

const campaignId = { type: 'string', description: 'Letters, digits, _ . - (at most 64); generated when omitted. The same id twice never sends twice.' } as const;
const content = { type: 'string', description: 'The message, 1-1024 characters (code points).' } as const;
const senderId = { type: 'string', description: 'At most 32 characters; SMS_SENDER_ID when omitted.' } as const;
const skipInvalid = { description: 'Queue the valid recipients and list the bad rows, instead of refusing the campaign.' } as const;
const balanceCheck = {
  type: 'string',
  enum: ['warn', 'require'],
  description: "Compare the gateway balance plus credit with the campaign's cost at the last reported price first: `warn` queues and lists a warning; `require` refuses (402 BALANCE_INSUFFICIENT).",
} as const;

const callbackUrl = {
  type: 'string',
  description: "Where this campaign's webhook events go (http or https), instead of WEBHOOK_URL; needs WEBHOOK_SECRET on the server. A bad URL is a 422 VALIDATION_FAILED.",
} as const;

export const recipientSchema = {
  type: 'object',
  description: 'A recipient; any other field is refused with the row number (a misspelt orderID would otherwise get a generated id).',
  properties: {
    number: { type: 'string', description: 'Spaces, dashes, parentheses and one leading + or 00 are dropped; 6-15 digits must remain.' },
    orderId: { type: 'string', description: 'Your id for this recipient, unique in the campaign; smsq-<row> when omitted.' },
  },
} as const;

/** POST /v1/campaigns with `Content-Type: application/json`. Recipients are checked row by row by the library. */
export const enqueueJsonBody = {
  type: 'object',
  required: ['content', 'recipients'],
  additionalProperties: false,
  properties: {
    campaignId,
    content,
    senderId,
    recipients: { type: 'array', items: { type: 'object' } },
    skipInvalid: { ...skipInvalid, type: 'boolean' },
    balanceCheck,
    callbackUrl,
  },
} as const;

/** POST /v1/campaigns with a streamed NDJSON or CSV body: the campaign's fields travel in the query string. */
export const enqueueStreamQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { campaignId, content, senderId, skipInvalid: { ...skipInvalid, type: 'string', enum: ['true', 'false'] }, balanceCheck, callbackUrl },
} as const;

export const campaignParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', description: 'The campaign id.' } },
} as const;

const count = { type: 'integer', minimum: 0 } as const;

export const campaignInfoSchema = {
  type: 'object',
  required: ['campaignId', 'state', 'content', 'batches', 'counts', 'createdAt'],
  properties: {
    campaignId: { type: 'string' },
    state: { type: 'string', enum: ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled'] },
    content: { type: 'string' },
    senderId: { type: 'string' },
    batches: count,
    counts: {
      type: 'object',
      properties: Object.fromEntries(['total', 'sent', 'failed', 'unknown', 'cancelled', 'notSent', 'pending', 'duplicatesSkipped', 'invalidSkipped'].map((k) => [k, count])),
    },
    delivery: {
      type: 'object',
      description: "What delivery reports say of the sent messages; pending (no report yet) = sent - delivered - undelivered - expired.",
      properties: {
        ...Object.fromEntries(['delivered', 'undelivered', 'expired', 'pending', 'priced'].map((k) => [k, count])),
        deliveryRate: { type: 'number', nullable: true, description: 'delivered / sent; null before anything was sent.' },
        cost: { type: 'object', additionalProperties: { type: 'string' }, description: 'Sum of the reports\' pricedetail.pay per currency, e.g. {"USD": "12.34"}.' },
      },
    },
    createdAt: { type: 'integer', description: 'Epoch milliseconds.' },
    finishedAt: { type: 'integer' },
    failure: { type: 'object', properties: { code: { type: 'string' }, reason: { type: 'string' } } },
  },
} as const;

const rowProblemSchema = {
  type: 'object',
  properties: { row: count, value: { type: 'string' }, reason: { type: 'string' } },
} as const;

export const enqueueResultSchema = {
  type: 'object',
  properties: {
    campaignId: { type: 'string' },
    created: { type: 'boolean', description: 'False when the same campaign was already queued: nothing new was queued.' },
    total: count,
    batches: count,
    duplicatesSkipped: count,
    invalidSkipped: count,
    invalidRows: { type: 'array', items: rowProblemSchema, description: 'With skipInvalid: the skipped rows (first 1,000).' },
    warnings: { type: 'array', items: { type: 'string' }, description: 'With balanceCheck=warn: why the balance may not cover the campaign.' },
  },
} as const;

export const recipientResultSchema = {
  type: 'object',
  properties: {
    number: { type: 'string' },
    orderId: { type: 'string' },
    status: { type: 'string', enum: ['sent', 'failed', 'unknown', 'cancelled', 'not-sent', 'pending'] },
    msgId: { type: 'string' },
    code: { type: 'string' },
    reason: { type: 'string' },
    delivery: { type: 'string', enum: ['delivered', 'undelivered', 'pending', 'expired'], description: 'Sent recipients only.' },
    deliveryCode: { type: 'string' },
    deliveryReason: { type: 'string' },
    reportedAt: { type: 'string', description: 'ISO 8601: when the report says the message was delivered or failed.' },
    price: { type: 'string' },
    currency: { type: 'string' },
  },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable; see the README table of HTTP API errors.' },
        message: { type: 'string' },
        details: { type: 'object', description: 'VALIDATION_FAILED: rows [{row, value, reason}] (first 1,000) and invalidCount.' },
      },
    },
  },
} as const;

export const readinessSchema = {
  type: 'object',
  properties: {
    ready: { type: 'boolean' },
    redis: { type: 'string', enum: ['ok', 'unreachable'] },
    queue: { type: 'string', enum: ['running', 'paused', 'account-stop', 'unknown'] },
    accountStop: { type: 'object', description: 'Why sending stopped: code, reason, operatorAction, at.' },
  },
} as const;

/** POST /v1/webhooks/retry: which failed events to re-send. */
export const webhookRetryBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ids: { type: 'array', items: { type: 'string' }, maxItems: 10_000, description: 'webhook-ids from GET /v1/webhooks/failed.' },
    all: { type: 'boolean', description: 'Re-send every failed event.' },
  },
} as const;

export const failedWebhookSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'The webhook-id.' },
    type: { type: 'string' },
    campaignId: { type: 'string' },
    url: { type: 'string', description: 'The target, without credentials or query string.' },
    attempts: count,
    reason: { type: 'string', description: 'The last failure and why it stopped (retries exhausted, 410 Gone).' },
    createdAt: { type: 'integer' },
    failedAt: { type: 'integer' },
  },
} as const;
