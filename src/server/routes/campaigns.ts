/**
 * GET /v1/campaigns (the list), GET /v1/campaigns/:id, GET /v1/campaigns/:id/results (streamed), GET
 * /v1/campaigns/:id/recipients/:number (one recipient's trace),
 * POST /v1/campaigns/:id/cancel|pause|resume|reschedule|max-cost|resend, POST /v1/campaigns/:id/settle (and /reconcile, its old name), GET /v1/balance. Campaigns are answered with
 * ISO 8601 times (campaignJson).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { campaignJson } from '../../shared/campaign/json';
import { parseSince } from '../../shared/replies/replies-csv';
import { CSV_HEADER, CSV_HEADER_WITH_CONTENT, csvLine } from '../../shared/batch/results-csv';
import type { CampaignInfo, CampaignState, RecipientResult } from '../../shared/types';
import type { ServerDeps } from '../app';
import { ApiError } from '../errors';
import { campaignParams, listQuery, maxCostBody, pauseBody, recipientParams, rescheduleBody, resendBody } from '../schemas';

interface ListQuery {
  state?: CampaignState;
  priority?: CampaignInfo['priority'];
  /** An admin's filter; a tenant's key always lists its own tenant's (producer/tenant-producer.ts), whatever it asks. */
  tenant?: string;
  since?: string;
  limit?: string;
  cursor?: string;
}

type WithId = { Params: { id: string } };

/** Lines are sent in pieces of about this size: fewer, larger writes, and still little memory per download. */
const CHUNK_BYTES = 64 * 1024;

export async function campaignRoutes(app: FastifyInstance, { producerFor }: ServerDeps): Promise<void> {
  const schema = { params: campaignParams };

  app.get<{ Querystring: ListQuery }>('/v1/campaigns', { schema: { querystring: listQuery } }, async (req) => {
    const { since, limit, ...rest } = req.query;
    const sinceMs = since === undefined ? undefined : parseSince(since);
    if (sinceMs === null)
      throw new ApiError('BAD_REQUEST', `since must be a date or time in ISO 8601 (2026-01-31T08:00:00Z), not "${since}"`);
    const page = await producerFor(req).listCampaigns({
      ...rest,
      since: sinceMs ?? undefined,
      limit: limit === undefined ? undefined : Number(limit),
    });
    return { campaigns: page.campaigns.map(campaignJson), ...(page.next ? { next: page.next } : {}) };
  });

  app.get<WithId>('/v1/campaigns/:id', { schema }, async (req) => campaignJson(await producerFor(req).getCampaign(req.params.id)));

  app.get<{ Params: { id: string; number: string } }>(
    '/v1/campaigns/:id/recipients/:number',
    { schema: { params: recipientParams } },
    (req) => producerFor(req).traceRecipient(req.params.id, req.params.number),
  );

  app.post<WithId>('/v1/campaigns/:id/cancel', { schema }, async (req) =>
    campaignJson(await producerFor(req).cancelCampaign(req.params.id)),
  );

  app.post<WithId & { Body: { reason?: string } }>(
    '/v1/campaigns/:id/pause',
    {
      schema: { ...schema, body: pauseBody },
      // The body is optional: a plain POST pauses with the default reason.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req) => campaignJson(await producerFor(req).pauseCampaign(req.params.id, { reason: req.body.reason })),
  );

  app.post<WithId>('/v1/campaigns/:id/resume', { schema }, async (req) =>
    campaignJson(await producerFor(req).resumeCampaign(req.params.id)),
  );

  app.post<WithId & { Body: { sendAt: string } }>('/v1/campaigns/:id/reschedule', { schema: { ...schema, body: rescheduleBody } }, (req) =>
    producerFor(req).rescheduleCampaign(req.params.id, req.body.sendAt).then(campaignJson),
  );
  app.post<WithId & { Body: { maxCost: number | null } }>(
    '/v1/campaigns/:id/max-cost',
    {
      schema: { ...schema, body: maxCostBody },
    },
    async (req) => campaignJson(await producerFor(req).setMaxCost(req.params.id, req.body.maxCost)),
  );

  // A new campaign: 201 when created, 200 when this same resend was queued before (nothing new).
  app.post<WithId & { Body: { status?: string[]; content?: string; campaignId?: string } }>(
    '/v1/campaigns/:id/resend',
    {
      schema: { ...schema, body: resendBody },
      // The body is optional: a plain POST resends to the default statuses.
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => {
      const r = await producerFor(req).resendCampaign(req.params.id, req.body);
      return reply.code(r.created ? 201 : 200).send(r);
    },
  );

  // /reconcile is the old name of /settle, kept working (deprecated).
  for (const url of ['/v1/campaigns/:id/settle', '/v1/campaigns/:id/reconcile']) {
    app.post<WithId & { Querystring: { resend?: 'true' | 'false' } }>(
      url,
      {
        schema: {
          ...schema,
          querystring: { type: 'object', additionalProperties: false, properties: { resend: { type: 'string', enum: ['true', 'false'] } } },
        },
      },
      (req) => producerFor(req).settleCampaign(req.params.id, { resend: req.query.resend === 'true' }),
    );
  }

  app.get('/v1/balance', (req) => producerFor(req).balance());

  app.get<WithId & { Querystring: { withContent?: 'true' | 'false' } }>(
    '/v1/campaigns/:id/results',
    {
      schema: {
        ...schema,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { withContent: { type: 'string', enum: ['true', 'false'] } },
        },
      },
    },
    async (req, reply) => {
      const csv = (req.headers.accept ?? '').toLowerCase().includes('text/csv');
      const withContent = req.query.withContent === 'true';
      const results = producerFor(req).campaignResults(req.params.id, { withContent })[Symbol.asyncIterator]();
      // The first record is read before the answer starts, so an unknown campaign is a clean 404, not a cut stream.
      const first = await results.next();
      reply.type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      // Readable.from pulls the next piece only when the socket has taken the last one: backpressure end to end.
      return reply.send(Readable.from(lines(first, results, csv, withContent), { objectMode: false }));
    },
  );
}

async function* lines(
  first: IteratorResult<RecipientResult>,
  rest: AsyncIterator<RecipientResult>,
  csv: boolean,
  withContent: boolean,
): AsyncGenerator<string> {
  let chunk = csv ? `${withContent ? CSV_HEADER_WITH_CONTENT : CSV_HEADER}\n` : '';
  for (let r = first; !r.done; r = await rest.next()) {
    chunk += csv ? `${csvLine(r.value)}\n` : `${JSON.stringify(r.value)}\n`;
    if (chunk.length >= CHUNK_BYTES) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
