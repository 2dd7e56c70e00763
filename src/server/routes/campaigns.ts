/**
 * GET /v1/campaigns/:id, GET /v1/campaigns/:id/results (streamed), POST /v1/campaigns/:id/cancel|pause|resume,
 * POST /v1/campaigns/:id/reconcile, GET /v1/balance.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { CSV_HEADER, CSV_HEADER_WITH_CONTENT, csvLine } from '../../shared/results-csv';
import type { RecipientResult } from '../../shared/types';
import type { ServerDeps } from '../app';
import { campaignParams, maxCostBody, pauseBody, rescheduleBody } from '../schemas';

type WithId = { Params: { id: string } };

/** Lines are sent in pieces of about this size: fewer, larger writes, and still little memory per download. */
const CHUNK_BYTES = 64 * 1024;

export async function campaignRoutes(app: FastifyInstance, { producer }: ServerDeps): Promise<void> {
  const schema = { params: campaignParams };

  app.get<WithId>('/v1/campaigns/:id', { schema }, (req) => producer.getCampaign(req.params.id));

  app.post<WithId>('/v1/campaigns/:id/cancel', { schema }, (req) => producer.cancelCampaign(req.params.id));

  app.post<WithId & { Body: { reason?: string } }>('/v1/campaigns/:id/pause', {
    schema: { ...schema, body: pauseBody },
    // The body is optional: a plain POST pauses with the default reason.
    preValidation: async (req) => {
      req.body ??= {};
    },
  }, (req) => producer.pauseCampaign(req.params.id, { reason: req.body.reason }));

  app.post<WithId>('/v1/campaigns/:id/resume', { schema }, (req) => producer.resumeCampaign(req.params.id));

  app.post<WithId & { Body: { sendAt: string } }>('/v1/campaigns/:id/reschedule', { schema: { ...schema, body: rescheduleBody } }, (req) =>
    producer.rescheduleCampaign(req.params.id, req.body.sendAt),
  );
  app.post<WithId & { Body: { maxCost: number | null } }>('/v1/campaigns/:id/max-cost', {
    schema: { ...schema, body: maxCostBody },
  }, (req) => producer.setMaxCost(req.params.id, req.body.maxCost));

  app.post<WithId & { Querystring: { resend?: 'true' | 'false' } }>('/v1/campaigns/:id/reconcile', {
    schema: { ...schema, querystring: { type: 'object', additionalProperties: false, properties: { resend: { type: 'string', enum: ['true', 'false'] } } } },
  }, (req) => producer.reconcileCampaign(req.params.id, { resend: req.query.resend === 'true' }));

  app.get('/v1/balance', () => producer.balance());

  app.get<WithId & { Querystring: { withContent?: 'true' | 'false' } }>('/v1/campaigns/:id/results', {
    schema: { ...schema, querystring: { type: 'object', additionalProperties: false, properties: { withContent: { type: 'string', enum: ['true', 'false'] } } } },
  }, async (req, reply) => {
    const csv = (req.headers.accept ?? '').toLowerCase().includes('text/csv');
    const withContent = req.query.withContent === 'true';
    const results = producer.campaignResults(req.params.id, { withContent })[Symbol.asyncIterator]();
    // The first record is read before the answer starts, so an unknown campaign is a clean 404, not a cut stream.
    const first = await results.next();
    reply.type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    // Readable.from pulls the next piece only when the socket has taken the last one: backpressure end to end.
    return reply.send(Readable.from(lines(first, results, csv, withContent), { objectMode: false }));
  });
}

async function* lines(first: IteratorResult<RecipientResult>, rest: AsyncIterator<RecipientResult>, csv: boolean, withContent: boolean): AsyncGenerator<string> {
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
