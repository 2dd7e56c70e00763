/**
 * The OpenAPI 3 description served at /openapi.json. Written by hand around the routes' own schemas
 * (./schemas.ts); test/integration/server/openapi.test.ts holds it to the routes Fastify actually registered.
 */
import {
  accountParams,
  accountResumedSchema,
  accountSchema,
  accountsQuery,
  campaignInfoSchema,
  enqueueJsonBody,
  maxCostBody,
  enqueueResultSchema,
  enqueueStreamQuery,
  errorSchema,
  listQuery,
  readinessSchema,
  numbersBody,
  pauseBody,
  recipientParams,
  recipientResultSchema,
  recipientTraceSchema,
  rescheduleBody,
  resendBody,
  failedWebhookSchema,
  variantsShape,
  winnerByShape,
  webhookRetryBody,
} from './schemas';
import { auditQuery } from './routes/audit';
import { createKeyBody, keyParams, updateKeyBody } from './routes/keys';

const json = (schema: object) => ({ 'application/json': { schema } });
/** The `{account}` of a named gateway account's push addresses. */
const ACCOUNT_PATH_PARAM = {
  name: 'account',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'The account name (SMS_ACCOUNTS).',
} as const;

const error = (description: string) => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });

/** Answers every /v1 route may give. */
const common = {
  401: error('UNAUTHORIZED: no, or a wrong, bearer token; a revoked or expired API key (or API_TOKEN is not set and the token is no key).'),
  503: error(
    'REDIS_UNAVAILABLE: Redis cannot be reached; REDIS_FULL: Redis is full (maxmemory, OOM); REDIS_READONLY: Redis refuses writes (a replica, NOREPLICAS, MISCONF). With Retry-After.',
  ),
};
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The campaign id.' }];
const bearer = [{ bearer: [] }];
const campaignInfo = { description: 'State and counts.', content: json({ $ref: '#/components/schemas/CampaignInfo' }) };

/**
 * The stream's query parameters. content is needed unless variant gives the texts; variant is a list written as the
 * parameter repeated (form, exploded: OpenAPI's default for a query array). What a good list of variants and a
 * measure are is published here; the route leaves those checks to the library (422 naming the field).
 */
const streamQuery = Object.entries(enqueueStreamQuery.properties).map(([name, schema]) => ({
  name,
  in: 'query',
  required: false,
  schema:
    name === 'variant'
      ? { ...variantsShape, description: schema.description }
      : name === 'winnerBy'
        ? { ...winnerByShape, description: schema.description }
        : schema,
  ...(name === 'variant' ? { style: 'form', explode: true } : {}),
  description: name === 'dryRun' ? 'With any body: a preview, nothing queued.' : 'Only with an NDJSON or CSV body.',
}));

/** The JSON body as published: the variants' count and texts, and the measure's values, said outright. */
const enqueueJsonBodyDocument = {
  ...enqueueJsonBody,
  properties: {
    ...enqueueJsonBody.properties,
    variants: { ...enqueueJsonBody.properties.variants, ...variantsShape },
    winnerBy: { ...enqueueJsonBody.properties.winnerBy, ...winnerByShape },
  },
};

/** What `?dryRun=true` answers (PreviewResult in src/producer/preview.ts). */
const previewSchema = {
  type: 'object',
  properties: {
    recipients: { type: 'integer' },
    batches: { type: 'integer' },
    duplicatesSkipped: { type: 'integer' },
    invalidCount: { type: 'integer' },
    invalidRows: { type: 'array', items: { type: 'object' } },
    encodings: { type: 'object', properties: { 'GSM-7': { type: 'integer' }, 'UCS-2': { type: 'integer' } } },
    segments: { type: 'integer', description: 'Segments of all the texts: what the gateway bills.' },
    estimatedCost: { type: 'object', additionalProperties: { type: 'string' }, description: 'Per currency, decimal strings.' },
    priceSource: { type: 'string', description: 'SMS_PRICE_PER_SEGMENT, SMS_PRICES_FILE (path), last delivery report (date), or none.' },
    unpriced: { type: 'integer' },
    samples: {
      type: 'array',
      items: { type: 'object', properties: { number: { type: 'string' }, orderId: { type: 'string' }, text: { type: 'string' } } },
    },
    noRoute: {
      type: 'object',
      description:
        'Recipients no gateway account may send to: they would be queued and end failed NO_ROUTE. rows: the first 20 (line of a file, position in a list); numbers: theirs.',
      properties: {
        count: { type: 'integer' },
        rows: { type: 'array', items: { type: 'integer' } },
        numbers: { type: 'array', items: { type: 'string' } },
      },
    },
    byAccount: {
      type: 'object',
      additionalProperties: { type: 'integer' },
      description: 'Recipients by the gateway account each would be tried on first.',
    },
    variants: {
      type: 'array',
      description:
        "With A/B variants: each text priced as if every recipient got it, variant A first. The preview's own segments and estimatedCost are the costliest variant's (what maxCost and a tenant's daily spend are held to), whichever wins.",
      items: {
        type: 'object',
        properties: {
          variant: { type: 'string', description: 'A, B, …' },
          content: { type: 'string', description: 'The text as it was checked (smart-encoded unless SMS_SMART_ENCODING=false).' },
          encodings: { type: 'object', properties: { 'GSM-7': { type: 'integer' }, 'UCS-2': { type: 'integer' } } },
          segments: { type: 'integer' },
          estimatedCost: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
    warnings: { type: 'array', items: { type: 'string' } },
    refusal: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      description: 'What an enqueue would answer instead of queueing.',
    },
  },
} as const;

/** POST /v1/campaigns/{id}/resend: the new campaign's enqueue result, and what was picked and left out. */
const resendResultSchema = {
  allOf: [
    { $ref: '#/components/schemas/EnqueueResult' },
    {
      type: 'object',
      properties: {
        parentId: { type: 'string', description: 'The campaign resent to.' },
        matched: { type: 'integer', minimum: 0, description: 'Its recipients whose status was asked for, before those left out.' },
        leftOut: {
          type: 'object',
          description: 'Of those, left out: on the suppression list now, or at the frequency cap now.',
          properties: { suppressed: { type: 'integer', minimum: 0 }, capped: { type: 'integer', minimum: 0 } },
        },
      },
    },
  ],
} as const;

/** POST /v1/campaigns/{id}/settle, and /reconcile, its old name. */
const settle = (summary: string, deprecated = false) => ({
  post: {
    summary,
    ...(deprecated ? { deprecated } : {}),
    security: bearer,
    parameters: [...idParam, { name: 'resend', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } }],
    responses: {
      200: {
        description:
          "{ campaignId, unknown, sent, notSent, tooRecent, resent, windows, recordsRead, accounts? }: accounts, when the calls went to any gateway account but default alone, gives each one's unknown, sent, notSent, tooRecent, recordsRead, and error and failure (its recipients left unknown) when its records could not be read.",
      },
      404: error('CAMPAIGN_NOT_FOUND'),
      409: error(
        'CAMPAIGN_ACTIVE (still sending), CAMPAIGN_NOT_RESENDABLE (resend of a cancelled or failed campaign) or RECONCILE_BUSY (automatic settling of this campaign is running; try again in a minute).',
      ),
      502: error('GATEWAY_QUERY_FAILED: getSentRcd failed; nothing changed.'),
      ...common,
    },
  },
});

export const openApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'smsq',
    version: '1',
    description:
      "Queue SMS campaigns, follow them and read every recipient's outcome. Times are ISO 8601. The campaign console is at /, bull-board at /admin/queues, both behind basic auth.",
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description:
          "API_TOKEN (an admin), or an API key (`smsq keys create`) whose scope — admin, tenant or read — decides the routes it reaches (403 FORBIDDEN otherwise) and the campaigns it sees (another tenant's: 404).",
      },
    },
    schemas: {
      CampaignInfo: campaignInfoSchema,
      EnqueueResult: enqueueResultSchema,
      Preview: previewSchema,
      RecipientResult: recipientResultSchema,
      RecipientTrace: recipientTraceSchema,
      Error: errorSchema,
      Readiness: readinessSchema,
      PauseBody: pauseBody,
      Account: accountSchema,
    },
  },
  paths: {
    '/v1/campaigns': {
      get: {
        summary:
          "Campaigns, newest first, a page at a time: pass the answer's `next` as `cursor` for the next page. Filters: state, priority, since.",
        security: bearer,
        parameters: Object.entries(listQuery.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
        responses: {
          200: {
            description: '{ campaigns: CampaignInfo[], next?: string }; no `next` on the last page.',
            content: json({
              type: 'object',
              properties: { campaigns: { type: 'array', items: { $ref: '#/components/schemas/CampaignInfo' } }, next: { type: 'string' } },
            }),
          },
          400: error('BAD_REQUEST: an unknown filter, a state or priority that does not exist, a since that is not ISO 8601.'),
          422: error('VALIDATION_FAILED: limit outside 1-500, or a cursor this server did not give out.'),
          ...common,
        },
      },
      post: {
        summary: 'Queue a campaign: JSON for short lists, or recipients streamed as NDJSON or CSV (number[,orderId]) for large ones.',
        security: bearer,
        parameters: streamQuery,
        requestBody: {
          required: true,
          content: {
            ...json(enqueueJsonBodyDocument),
            'application/x-ndjson': { schema: { type: 'string', description: 'One {"number","orderId"} object per line.' } },
            'text/csv': {
              schema: {
                type: 'string',
                description:
                  'A header naming the columns (number, orderId, timezone, template fields; taken by name only: a doubled or missing column is 422 CSV_HEADER_INVALID), or number[,orderId] per line without one.',
              },
            },
          },
        },
        responses: {
          201: { description: 'Queued.', content: json({ $ref: '#/components/schemas/EnqueueResult' }) },
          200: {
            description:
              'The same campaign id with the same content and recipients was already queued: nothing new queued. With dryRun=true: the preview (a Preview object), nothing queued.',
            content: json({ oneOf: [{ $ref: '#/components/schemas/EnqueueResult' }, { $ref: '#/components/schemas/Preview' }] }),
          },
          400: error('BAD_REQUEST (wrong shape, unknown field) or INPUT_UNREADABLE (broken CSV quoting).'),
          409: error(
            'CAMPAIGN_CONFLICT (the id is used by a different campaign) or CAMPAIGN_BUSY (being queued right now; see Retry-After).',
          ),
          413: error('PAYLOAD_TOO_LARGE: over API_JSON_BODY_LIMIT (JSON) or API_STREAM_BODY_LIMIT (streamed).'),
          415: error('UNSUPPORTED_MEDIA_TYPE: use application/json, application/x-ndjson or text/csv.'),
          422: error(
            "VALIDATION_FAILED (details.rows lists the bad rows, a template field missing included; nothing queued; or a field such as trackLinks without LINK_BASE_URL, variants that are too few or many, not strings or without a canary, a winnerBy that is not delivered, clicks or replies; the message names the field), CAMPAIGN_EMPTY, BUDGET_EXCEEDED (the estimated cost is above maxCost), UNKNOWN_ACCOUNT (accounts names one not configured), TENANT_RATE_LIMIT (maxRate above the tenant's), or SPEND_NOT_ESTIMATED (the tenant has a spend limit and the cost cannot be estimated).",
          ),
          403: error("LANE_NOT_ALLOWED: a tenant key queued at a priority its tenant's lanes do not include; nothing queued."),
          429: error(
            "DAILY_LIMIT_REACHED: the campaign would take the key's tenant past its recipients or spend per UTC day; nothing queued (details: limit, limitValue, used, requested, resetsAt).",
          ),
          ...common,
        },
      },
    },
    '/v1/campaigns/{id}': {
      get: {
        summary: 'State and counts of a campaign.',
        security: bearer,
        parameters: idParam,
        responses: { 200: campaignInfo, 404: error('CAMPAIGN_NOT_FOUND'), ...common },
      },
    },
    '/v1/campaigns/{id}/results': {
      get: {
        summary: 'One record per recipient, in the order queued, streamed: NDJSON, or CSV with Accept: text/csv.',
        security: bearer,
        parameters: [
          ...idParam,
          {
            name: 'withContent',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['true', 'false'] },
            description:
              "true: each record carries its recipient's text (`content`, the CSV column after currency), rendered from the template.",
          },
        ],
        responses: {
          200: {
            description: 'Streamed.',
            content: {
              'application/x-ndjson': { schema: { $ref: '#/components/schemas/RecipientResult' } },
              'text/csv': {
                schema: {
                  type: 'string',
                  description:
                    'number,orderId,status,msgId,code,reason,delivery,deliveryCode,deliveryReason,reportedAt,price,currency,account; with withContent=true, content before account.',
                },
              },
            },
          },
          404: error('CAMPAIGN_NOT_FOUND'),
          ...common,
        },
      },
    },
    '/v1/campaigns/{id}/recipients/{number}': {
      get: {
        summary:
          "One recipient's trace, in time order: its row (batch, index), each call it went in with the gateway's answer, checks that settled it at a call's start, its outcome, delivery report, webhook event, replies and clicks.",
        security: bearer,
        parameters: [
          ...idParam,
          {
            name: 'number',
            in: 'path',
            required: true,
            schema: recipientParams.properties.number,
            description: recipientParams.properties.number.description,
          },
        ],
        responses: {
          200: { description: 'The trace.', content: json({ $ref: '#/components/schemas/RecipientTrace' }) },
          404: error("CAMPAIGN_NOT_FOUND, or RECIPIENT_NOT_FOUND: the number is not one of the campaign's recipients."),
          422: error('VALIDATION_FAILED: the number is not a phone number.'),
          ...common,
        },
      },
    },
    '/v1/campaigns/{id}/cancel': {
      post: {
        summary: 'Cancel: no call of the campaign starts after this answers; unsent recipients end cancelled.',
        security: bearer,
        parameters: idParam,
        responses: { 200: campaignInfo, 404: error('CAMPAIGN_NOT_FOUND'), 409: error('CAMPAIGN_FINISHED'), ...common },
      },
    },
    '/v1/campaigns/{id}/pause': {
      post: {
        summary:
          'Pause one campaign: none of its batches starts until it is resumed; batches in flight finish; other campaigns go on sending. Pausing a paused campaign changes nothing.',
        security: bearer,
        parameters: idParam,
        requestBody: { required: false, content: json({ $ref: '#/components/schemas/PauseBody' }) },
        responses: { 200: campaignInfo, 404: error('CAMPAIGN_NOT_FOUND'), 409: error('CAMPAIGN_FINISHED'), ...common },
      },
    },
    '/v1/campaigns/{id}/resume': {
      post: {
        summary: 'Resume a paused campaign: its held batches go back to its lane at once.',
        security: bearer,
        parameters: idParam,
        responses: { 200: campaignInfo, 404: error('CAMPAIGN_NOT_FOUND'), 409: error('CAMPAIGN_FINISHED'), ...common },
      },
    },
    '/v1/campaigns/{id}/reschedule': {
      post: {
        summary: "Move a scheduled campaign's start (only while it is scheduled).",
        security: bearer,
        parameters: idParam,
        requestBody: { required: true, content: json(rescheduleBody) },
        responses: {
          200: campaignInfo,
          404: error('CAMPAIGN_NOT_FOUND'),
          409: error('CAMPAIGN_STARTED'),
          422: error('VALIDATION_FAILED'),
          ...common,
        },
      },
    },
    '/v1/campaigns/{id}/max-cost': {
      post: {
        summary:
          "Set or remove a campaign's budget cap, e.g. raise it for a campaign paused by its budget (resuming it is a separate step).",
        security: bearer,
        parameters: idParam,
        requestBody: { required: true, content: json(maxCostBody) },
        responses: {
          200: campaignInfo,
          400: error('BAD_REQUEST'),
          404: error('CAMPAIGN_NOT_FOUND'),
          422: error('VALIDATION_FAILED: maxCost must be above 0.'),
          ...common,
        },
      },
    },
    '/v1/campaigns/{id}/resend': {
      post: {
        summary:
          "Queue a new campaign (its parentId this one) to this ended campaign's recipients whose result is in status, with its settings and, unless given, its content; those suppressed or at the frequency cap now are left out and counted.",
        security: bearer,
        parameters: idParam,
        requestBody: { required: false, content: json(resendBody) },
        responses: {
          201: { description: 'Queued.', content: json(resendResultSchema) },
          200: {
            description: 'This same resend was queued before (same id, recipients and content): created false, nothing new queued.',
            content: json(resendResultSchema),
          },
          404: error('CAMPAIGN_NOT_FOUND'),
          409: error(
            'CAMPAIGN_ACTIVE (still sending: resend it once it has ended) or CAMPAIGN_CONFLICT (campaignId used by another list).',
          ),
          422: error(
            'NOTHING_TO_RESEND (no campaign created), or VALIDATION_FAILED (a status not allowed, unknown included; a bad content or campaignId).',
          ),
          ...common,
        },
      },
    },
    '/v1/campaigns/{id}/settle': settle(
      "Settle the campaign's unknown recipients from the gateway's sent records (getSentRcd): found → sent with its msgId; not found once the gateway had time to record it → not-sent. resend=true queues the not-sent ones again.",
    ),
    '/v1/campaigns/{id}/reconcile': settle('The old name of POST /v1/campaigns/{id}/settle, which it runs.', true),
    '/v1/balance': {
      get: {
        summary:
          'The gateway balance, gift and credit, the last price per message a delivery report gave, and how many messages balance plus credit pay for.',
        security: bearer,
        responses: {
          200: { description: '{ balance, gift, credit, available, lastPrice, messages }' },
          502: error('GATEWAY_QUERY_FAILED'),
          ...common,
        },
      },
    },
    '/v1/delivery-reports/{token}': {
      post: {
        summary:
          'Where the gateway pushes delivery reports (pushSmsReport): give the vendor this URL with DLR_TOKEN as {token}. One report object or an array; answers 200 with what became of them.',
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' }, description: 'DLR_TOKEN.' }],
        requestBody: { required: true, content: json({ oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] }) },
        responses: {
          200: { description: '{ received, matched, duplicate, held, unmatched, invalid: [{ index, reason }] }' },
          400: error('BAD_REQUEST: not JSON, or not a report or a list of reports.'),
          401: error('UNAUTHORIZED: wrong token, or DLR_TOKEN is not set on the server.'),
          403: error('FORBIDDEN: the address is not in DLR_ALLOWED_IPS.'),
        },
      },
    },
    '/v1/delivery-reports/{token}/accounts/{account}': {
      post: {
        summary:
          "Where the gateway pushes the delivery reports of a named gateway account's messages (each account has its own push address; msgIds are unique only within an account): give the vendor this URL with DLR_TOKEN as {token}. As /v1/delivery-reports/{token}, which serves the default account.",
        parameters: [
          { name: 'token', in: 'path', required: true, schema: { type: 'string' }, description: 'DLR_TOKEN.' },
          ACCOUNT_PATH_PARAM,
        ],
        requestBody: { required: true, content: json({ oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] }) },
        responses: {
          200: { description: '{ received, matched, duplicate, held, unmatched, invalid: [{ index, reason }] }' },
          400: error('BAD_REQUEST: not JSON, or not a report or a list of reports.'),
          401: error('UNAUTHORIZED: wrong token, or DLR_TOKEN is not set on the server.'),
          403: error('FORBIDDEN: the address is not in DLR_ALLOWED_IPS.'),
          404: error('NOT_FOUND: no gateway account of that name is configured (checked after the token).'),
        },
      },
    },
    '/v1/suppressions': {
      get: {
        summary: 'The whole suppression list, streamed: NDJSON {number, reason, source, addedAt}, or CSV with Accept: text/csv.',
        security: bearer,
        responses: {
          200: {
            description: 'Streamed.',
            content: { 'application/x-ndjson': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } },
          },
          ...common,
        },
      },
      post: {
        summary: 'Add numbers to the suppression list: no call to them starts afterwards, in any campaign, queued or not.',
        security: bearer,
        requestBody: { required: true, content: json(numbersBody) },
        responses: {
          200: { description: '{ numbers, added }: added counts the numbers that were not on the list.' },
          400: error('BAD_REQUEST'),
          422: error('VALIDATION_FAILED: a bad number; nothing changed.'),
          ...common,
        },
      },
    },
    '/v1/suppressions/remove': {
      post: {
        summary: 'Take numbers off the suppression list.',
        security: bearer,
        requestBody: { required: true, content: json(numbersBody) },
        responses: { 200: { description: '{ numbers, removed }' }, 422: error('VALIDATION_FAILED'), ...common },
      },
    },
    '/v1/suppressions/{number}': {
      get: {
        summary: 'Is this number suppressed? { suppressed: true, number, reason, source, addedAt } or { suppressed: false, number }.',
        security: bearer,
        parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: { description: 'The entry, or suppressed false.' },
          422: error('VALIDATION_FAILED: not a phone number.'),
          ...common,
        },
      },
    },
    '/v1/suppressions/import': {
      post: {
        summary:
          'Import a list streamed as CSV (a number per line, header optional) or NDJSON ({"number","reason"?}). Valid rows are added; bad rows are listed with their line and skipped.',
        security: bearer,
        parameters: [{ name: 'reason', in: 'query', required: false, schema: { type: 'string' } }],
        requestBody: {
          required: true,
          content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } },
        },
        responses: {
          200: { description: '{ read, added, invalidCount, invalidRows: [{row, value, reason}] }' },
          413: error('PAYLOAD_TOO_LARGE'),
          415: error('UNSUPPORTED_MEDIA_TYPE'),
          ...common,
        },
      },
    },
    '/v1/replies': {
      get: {
        summary:
          'Replies received (recordMo, polled and pushed), oldest first, streamed: NDJSON, or CSV with Accept: text/csv. Each is attributed to the campaign that last sent to its number.',
        security: bearer,
        parameters: [
          {
            name: 'campaign',
            in: 'query',
            required: false,
            schema: { type: 'string' },
            description: 'Only replies attributed to this campaign.',
          },
          {
            name: 'since',
            in: 'query',
            required: false,
            schema: { type: 'string' },
            description: 'Only replies the gateway received at or after this ISO 8601 time.',
          },
        ],
        responses: {
          200: {
            description:
              'One reply per line: { id, number, content, receivedAt, sendId, campaignId?, source (push|poll), keyword? (stop|start), listChange?, mcc?, mnc?, operator?, pay?, currency? }.',
            content: { 'application/x-ndjson': { schema: { type: 'string' } }, 'text/csv': { schema: { type: 'string' } } },
          },
          400: error('BAD_REQUEST: since is not an ISO 8601 time, or an unknown parameter.'),
          ...common,
        },
      },
    },
    '/v1/replies/{token}': {
      post: {
        summary:
          "Where the gateway pushes replies (recordMo's fields, one per POST; an array is taken too): give the vendor this URL with REPLY_TOKEN as {token}. STOP and START keywords change the suppression list at once. Answers 200 with what became of each reply.",
        parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' }, description: 'REPLY_TOKEN.' }],
        requestBody: { required: true, content: json({ oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] }) },
        responses: {
          200: {
            description:
              '{ received, replies: [{ number, result (stored|stop|start|duplicate), campaignId?, listChange? }], invalid: [{ index, reason }] }',
          },
          400: error('BAD_REQUEST: not JSON, or not a reply or a list of replies.'),
          401: error('UNAUTHORIZED: wrong token, or REPLY_TOKEN is not set on the server.'),
          403: error('FORBIDDEN: the address is not in REPLY_ALLOWED_IPS.'),
        },
      },
    },
    '/v1/replies/{token}/accounts/{account}': {
      post: {
        summary:
          "Where the gateway pushes the replies that come through a named gateway account: as /v1/replies/{token} (replies are attributed by their number, whichever account brought them), at an address of the same form as the account's delivery reports'.",
        parameters: [
          { name: 'token', in: 'path', required: true, schema: { type: 'string' }, description: 'REPLY_TOKEN.' },
          ACCOUNT_PATH_PARAM,
        ],
        requestBody: { required: true, content: json({ oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] }) },
        responses: {
          200: {
            description:
              '{ received, replies: [{ number, result (stored|stop|start|duplicate), campaignId?, listChange? }], invalid: [{ index, reason }] }',
          },
          400: error('BAD_REQUEST: not JSON, or not a reply or a list of replies.'),
          401: error('UNAUTHORIZED: wrong token, or REPLY_TOKEN is not set on the server.'),
          403: error('FORBIDDEN: the address is not in REPLY_ALLOWED_IPS.'),
          404: error('NOT_FOUND: no gateway account of that name is configured (checked after the token).'),
        },
      },
    },
    '/v1/queue/pause': {
      post: {
        summary: 'Stop sending for the whole queue; batches in flight finish.',
        security: bearer,
        responses: { 200: { description: '{ paused: true }' }, ...common },
      },
    },
    '/v1/queue/resume': {
      post: {
        summary: 'Restart sending; also clears an account-level stop.',
        security: bearer,
        responses: { 200: { description: '{ paused: false, clearedAccountStop }' }, ...common },
      },
    },
    '/v1/accounts': {
      get: {
        summary:
          "Every gateway account (SMS_ACCOUNTS; without it the one SMS_API_* describe, named default), in the configuration's order: its state (stop, circuit breaker), gateway origin, balance (one getBalance each; one that fails says why on its account), limits and routing. No credentials.",
        security: bearer,
        parameters: Object.entries(accountsQuery.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
        responses: {
          200: {
            description: '{ accounts: Account[] }',
            content: json({ type: 'object', properties: { accounts: { type: 'array', items: { $ref: '#/components/schemas/Account' } } } }),
          },
          400: error('BAD_REQUEST: an unknown parameter, or balance other than true or false.'),
          ...common,
        },
      },
    },
    '/v1/accounts/{name}/resume': {
      post: {
        summary:
          "Clear one gateway account's stop and circuit breaker (after a top-up, a fixed key…): every worker sends through it again within a second. POST /v1/queue/resume clears every account's.",
        security: bearer,
        parameters: [{ name: 'name', in: 'path', required: true, schema: accountParams.properties.name }],
        responses: {
          200: { description: 'What was cleared.', content: json(accountResumedSchema) },
          404: error('ACCOUNT_NOT_FOUND: no account of that name is configured; details.configured lists those that are.'),
          ...common,
        },
      },
    },
    '/v1/webhooks/failed': {
      get: {
        summary:
          'Webhook events whose delivery failed for good (retries exhausted after WEBHOOK_RETRY_FOR, or 410 Gone), most recent first.',
        security: bearer,
        parameters: [
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'string', pattern: '^[1-9][0-9]{0,4}$' },
            description: 'At most this many (default 100).',
          },
        ],
        responses: {
          200: {
            description: '{ failed: [...] }',
            content: json({ type: 'object', properties: { failed: { type: 'array', items: failedWebhookSchema } } }),
          },
          ...common,
        },
      },
    },
    '/v1/webhooks/retry': {
      post: {
        summary:
          'Re-send failed webhook events (same webhook-id, same body), each with a new WEBHOOK_RETRY_FOR window: { ids: [...] } or { all: true }.',
        security: bearer,
        requestBody: { required: true, content: json(webhookRetryBody) },
        responses: {
          200: { description: '{ retried: [webhook-id, ...] }' },
          400: error('BAD_REQUEST: neither ids nor all, or both.'),
          404: error('WEBHOOK_NOT_FOUND: an id is not a failed event (never failed, already re-sent, or expired); nothing was re-sent.'),
          ...common,
        },
      },
    },
    '/v1/keys': {
      post: {
        summary:
          "Create an API key (for an admin key). The answer holds the key, shown this once (Redis keeps only its SHA-256), and, when a webhook URL was given without a secret to a tenant that had none, the tenant's generated webhookSecret, also shown once. limits and webhook set the key's tenant's, shared by all its keys.",
        security: bearer,
        requestBody: { required: true, content: json(createKeyBody) },
        responses: {
          201: { description: '{ id, name, scope, tenant?, key, createdAt, expiresAt?, webhookSecret? }' },
          400: error('BAD_REQUEST: a field of the wrong type or out of bounds, or an unknown field.'),
          403: error('FORBIDDEN: not an admin key.'),
          422: error('VALIDATION_FAILED: a bad name, tenant, expires, limit or webhook; the message names each. Nothing was created.'),
          ...common,
        },
      },
      get: {
        summary:
          "Every API key, oldest first, never the key, its hash or a webhook secret: id, name, scope, tenant, status (active, revoked, expired), createdAt, expiresAt, revokedAt, lastUsedAt (to the minute), and for a tenant's key its tenant's limits, today's use (UTC) and webhookUrl (no credentials or query) with webhookSecretSet.",
        security: bearer,
        responses: {
          200: { description: '{ keys: [...], unreadable: [id, ...] } (unreadable: records that could not be read, left out)' },
          403: error('FORBIDDEN: not an admin key.'),
          ...common,
        },
      },
    },
    '/v1/keys/{id}/revoke': {
      post: {
        summary: 'Revoke a key: every server refuses it from its next request. Revoking a revoked key changes nothing.',
        security: bearer,
        parameters: [{ name: 'id', in: 'path', required: true, schema: keyParams.properties.id }],
        responses: {
          200: { description: 'The key as listed, with revokedAt.' },
          403: error('FORBIDDEN: not an admin key.'),
          404: error('KEY_NOT_FOUND: no key with that id.'),
          ...common,
        },
      },
    },
    '/v1/keys/{id}': {
      patch: {
        summary:
          "Change the limits and webhook of the key's tenant (shared by all its keys): a limit given sets it, null removes it; webhook null removes it. A webhook URL without a secret keeps the tenant's, or generates one, answered once as webhookSecret.",
        security: bearer,
        parameters: [{ name: 'id', in: 'path', required: true, schema: keyParams.properties.id }],
        requestBody: { required: true, content: json(updateKeyBody) },
        responses: {
          200: { description: '{ key: the key as listed, webhookSecret? }' },
          400: error('BAD_REQUEST: a field of the wrong type or out of bounds, an unknown field, or an empty body.'),
          403: error('FORBIDDEN: not an admin key.'),
          404: error('KEY_NOT_FOUND: no key with that id.'),
          422: error('VALIDATION_FAILED: a key without a tenant, or a bad limit or webhook; nothing changed.'),
          ...common,
        },
      },
    },
    '/v1/audit': {
      get: {
        summary:
          'The audit trail, newest first: every change (enqueue, pause, resume, cancel, reschedule, max-cost, settle, suppressions, queue, accounts, webhook retries, keys) with the key that made it. For an admin key.',
        security: bearer,
        parameters: Object.entries(auditQuery.properties).map(([name, { description, ...schema }]) => ({
          name,
          in: 'query',
          required: false,
          schema,
          description,
        })),
        responses: {
          200: {
            description:
              "{ entries: [{ id, at, keyId, keyName, action, tenant?, campaignId?, changes? }] }: at in ISO 8601; campaignId as stored (<tenant>~<id> for a tenant's); changes holds what changed, { before, after } where there was a before.",
          },
          400: error('BAD_REQUEST: a tenant, campaign, since or limit out of bounds, or an unknown parameter.'),
          403: error('FORBIDDEN: not an admin key.'),
          ...common,
        },
      },
    },
    '/healthz': { get: { summary: 'The process is up.', responses: { 200: { description: '{ ok: true }' } } } },
    '/readyz': {
      get: {
        summary: 'Redis answers and sending is not stopped for the whole account.',
        responses: {
          200: { description: 'Ready.', content: json({ $ref: '#/components/schemas/Readiness' }) },
          503: { description: 'Not ready; the body says which.', content: json({ $ref: '#/components/schemas/Readiness' }) },
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus text format.',
        security: bearer,
        responses: { 200: { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } }, 401: common[401] },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document.',
        security: bearer,
        responses: { 200: { description: 'OpenAPI 3.', content: json({ type: 'object' }) }, 401: common[401] },
      },
    },
  },
} as const;
