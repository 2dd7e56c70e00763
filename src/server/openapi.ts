/**
 * The OpenAPI 3 description served at /openapi.json. Written by hand around the routes' own schemas
 * (./schemas.ts); test/server/openapi.test.ts holds it to the routes Fastify actually registered.
 */
import {
  campaignInfoSchema, enqueueJsonBody, enqueueResultSchema, enqueueStreamQuery, errorSchema, readinessSchema,
  recipientResultSchema, failedWebhookSchema, webhookRetryBody,
} from './schemas';

const json = (schema: object) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });

/** Answers every /v1 route may give. */
const common = {
  401: error('UNAUTHORIZED: no, or a wrong, bearer token (or API_TOKEN is not set on the server).'),
  503: error('REDIS_UNAVAILABLE: Redis cannot be reached.'),
};
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The campaign id.' }];
const bearer = [{ bearer: [] }];
const campaignInfo = { description: 'State and counts.', content: json({ $ref: '#/components/schemas/CampaignInfo' }) };

const streamQuery = Object.entries(enqueueStreamQuery.properties).map(([name, schema]) => ({
  name, in: 'query', required: name === 'content', schema, description: 'Only with an NDJSON or CSV body.',
}));

export const openApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'smsq',
    version: '1',
    description: 'Queue SMS campaigns, follow them and read every recipient\'s outcome. The dashboard (bull-board) is at /admin/queues, behind basic auth.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API_TOKEN' } },
    schemas: { CampaignInfo: campaignInfoSchema, EnqueueResult: enqueueResultSchema, RecipientResult: recipientResultSchema, Error: errorSchema, Readiness: readinessSchema },
  },
  paths: {
    '/v1/campaigns': {
      post: {
        summary: 'Queue a campaign: JSON for short lists, or recipients streamed as NDJSON or CSV (number[,orderId]) for large ones.',
        security: bearer,
        parameters: streamQuery,
        requestBody: {
          required: true,
          content: {
            ...json(enqueueJsonBody),
            'application/x-ndjson': { schema: { type: 'string', description: 'One {"number","orderId"} object per line.' } },
            'text/csv': { schema: { type: 'string', description: 'number[,orderId] per line; header optional.' } },
          },
        },
        responses: {
          201: { description: 'Queued.', content: json({ $ref: '#/components/schemas/EnqueueResult' }) },
          200: { description: 'The same campaign id with the same content and recipients was already queued: nothing new queued.', content: json({ $ref: '#/components/schemas/EnqueueResult' }) },
          400: error('BAD_REQUEST (wrong shape, unknown field) or INPUT_UNREADABLE (broken CSV quoting).'),
          409: error('CAMPAIGN_CONFLICT (the id is used by a different campaign) or CAMPAIGN_BUSY (being queued right now; see Retry-After).'),
          413: error('PAYLOAD_TOO_LARGE: over API_JSON_BODY_LIMIT (JSON) or API_STREAM_BODY_LIMIT (streamed).'),
          415: error('UNSUPPORTED_MEDIA_TYPE: use application/json, application/x-ndjson or text/csv.'),
          422: error('VALIDATION_FAILED (details.rows lists the bad rows; nothing queued) or CAMPAIGN_EMPTY.'),
          ...common,
        },
      },
    },
    '/v1/campaigns/{id}': {
      get: { summary: 'State and counts of a campaign.', security: bearer, parameters: idParam, responses: { 200: campaignInfo, 404: error('CAMPAIGN_NOT_FOUND'), ...common } },
    },
    '/v1/campaigns/{id}/results': {
      get: {
        summary: 'One record per recipient, in the order queued, streamed: NDJSON, or CSV with Accept: text/csv.',
        security: bearer,
        parameters: idParam,
        responses: {
          200: {
            description: 'Streamed.',
            content: {
              'application/x-ndjson': { schema: { $ref: '#/components/schemas/RecipientResult' } },
              'text/csv': { schema: { type: 'string', description: 'number,orderId,status,msgId,code,reason,delivery,deliveryCode,deliveryReason,reportedAt,price,currency' } },
            },
          },
          404: error('CAMPAIGN_NOT_FOUND'),
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
    '/v1/campaigns/{id}/reconcile': {
      post: {
        summary: "Settle the campaign's unknown recipients from the gateway's sent records (getSentRcd): found → sent with its msgId; not found once the gateway had time to record it → not-sent. resend=true queues the not-sent ones again.",
        security: bearer,
        parameters: [...idParam, { name: 'resend', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } }],
        responses: {
          200: { description: '{ campaignId, unknown, sent, notSent, tooRecent, resent, windows, recordsRead }' },
          404: error('CAMPAIGN_NOT_FOUND'),
          409: error('CAMPAIGN_ACTIVE (still sending) or CAMPAIGN_NOT_RESENDABLE (resend of a cancelled or failed campaign).'),
          502: error('GATEWAY_QUERY_FAILED: getSentRcd failed; nothing changed.'),
          ...common,
        },
      },
    },
    '/v1/balance': {
      get: {
        summary: 'The gateway balance, gift and credit, the last price per message a delivery report gave, and how many messages balance plus credit pay for.',
        security: bearer,
        responses: { 200: { description: '{ balance, gift, credit, available, lastPrice, messages }' }, 502: error('GATEWAY_QUERY_FAILED'), ...common },
      },
    },
    '/v1/delivery-reports/{token}': {
      post: {
        summary: "Where the gateway pushes delivery reports (pushSmsReport): give the vendor this URL with DLR_TOKEN as {token}. One report object or an array; answers 200 with what became of them.",
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
    '/v1/queue/pause': {
      post: { summary: 'Stop sending for the whole queue; batches in flight finish.', security: bearer, responses: { 200: { description: '{ paused: true }' }, ...common } },
    },
    '/v1/queue/resume': {
      post: { summary: 'Restart sending; also clears an account-level stop.', security: bearer, responses: { 200: { description: '{ paused: false, clearedAccountStop }' }, ...common } },
    },
    '/v1/webhooks/failed': {
      get: {
        summary: 'Webhook events whose delivery failed for good (retries exhausted after WEBHOOK_RETRY_FOR, or 410 Gone), most recent first.',
        security: bearer,
        parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'string', pattern: '^[1-9][0-9]{0,4}$' }, description: 'At most this many (default 100).' }],
        responses: { 200: { description: '{ failed: [...] }', content: json({ type: 'object', properties: { failed: { type: 'array', items: failedWebhookSchema } } }) }, ...common },
      },
    },
    '/v1/webhooks/retry': {
      post: {
        summary: 'Re-send failed webhook events (same webhook-id, same body), each with a new WEBHOOK_RETRY_FOR window: { ids: [...] } or { all: true }.',
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
      get: { summary: 'Prometheus text format.', security: bearer, responses: { 200: { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } }, 401: common[401] } },
    },
    '/openapi.json': { get: { summary: 'This document.', security: bearer, responses: { 200: { description: 'OpenAPI 3.', content: json({ type: 'object' }) }, 401: common[401] } } },
  },
} as const;
