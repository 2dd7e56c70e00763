/**
 * The OpenAPI 3 description served at /openapi.json. Written by hand around the routes' own schemas
 * (./schemas.ts); test/server/openapi.test.ts holds it to the routes Fastify actually registered.
 */
import {
  campaignInfoSchema, enqueueJsonBody, enqueueResultSchema, enqueueStreamQuery, errorSchema, readinessSchema,
  recipientResultSchema,
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
              'text/csv': { schema: { type: 'string', description: 'number,orderId,status,msgId,code,reason' } },
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
    '/v1/queue/pause': {
      post: { summary: 'Stop sending for the whole queue; batches in flight finish.', security: bearer, responses: { 200: { description: '{ paused: true }' }, ...common } },
    },
    '/v1/queue/resume': {
      post: { summary: 'Restart sending; also clears an account-level stop.', security: bearer, responses: { 200: { description: '{ paused: false, clearedAccountStop }' }, ...common } },
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
