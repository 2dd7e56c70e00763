/**
 * The suppression list: POST /v1/suppressions (add), POST /v1/suppressions/remove, GET /v1/suppressions/:number
 * (check), GET /v1/suppressions (all, streamed), POST /v1/suppressions/import (CSV or NDJSON, streamed).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { readRecipients } from '../../producer/read-recipients';
import { SUPPRESSION_CSV_HEADER, suppressionCsvLine, suppressionJson, type Suppression } from '../../shared/opt-out/suppression-store';
import type { ServerDeps } from '../app';
import { ApiError } from '../errors';
import { numbersBody, suppressImportQuery } from '../schemas';
import { limitedBody, mediaType, STREAM_TYPES } from './enqueue';

interface NumbersBody {
  numbers: string[];
  reason?: string;
}

export async function suppressionRoutes(app: FastifyInstance, { producerFor, config }: ServerDeps): Promise<void> {
  app.addContentTypeParser(Object.keys(STREAM_TYPES), (_req, payload, done) => done(null, payload));

  app.post<{ Body: NumbersBody }>('/v1/suppressions', { schema: { body: numbersBody } }, async (req) => {
    const added = await producerFor(req).suppressions.add(req.body.numbers, { reason: req.body.reason ?? 'manual', source: 'api' });
    return { numbers: req.body.numbers.length, added };
  });

  app.post<{ Body: NumbersBody }>('/v1/suppressions/remove', { schema: { body: numbersBody } }, async (req) => {
    const removed = await producerFor(req).suppressions.remove(req.body.numbers);
    return { numbers: req.body.numbers.length, removed };
  });

  app.get<{ Params: { number: string } }>('/v1/suppressions/:number', async (req) => {
    const entry = await producerFor(req).suppressions.check(req.params.number);
    return entry ? { suppressed: true, ...suppressionJson(entry) } : { suppressed: false, number: req.params.number };
  });

  app.get('/v1/suppressions', async (req, reply) => {
    const csv = (req.headers.accept ?? '').toLowerCase().includes('text/csv');
    reply.type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    return reply.send(Readable.from(lines(producerFor(req).suppressions.list(), csv), { objectMode: false }));
  });

  app.post<{ Querystring: { reason?: string } }>(
    '/v1/suppressions/import',
    { schema: { querystring: suppressImportQuery } },
    async (req) => {
      const format = STREAM_TYPES[mediaType(req) as keyof typeof STREAM_TYPES];
      if (!format)
        throw new ApiError(
          'UNSUPPORTED_MEDIA_TYPE',
          'send the list as text/csv (a number per line) or application/x-ndjson ({"number","reason"?} per line)',
        );
      const body = limitedBody(req.body as Readable, req.headers['content-length'], config.server.streamBodyLimit);
      return producerFor(req).suppressions.import(readRecipients(body, format), {
        reason: req.query.reason ?? 'import',
        source: 'api-import',
      });
    },
  );
}

async function* lines(entries: AsyncIterable<Suppression>, csv: boolean): AsyncGenerator<string> {
  let chunk = csv ? `${SUPPRESSION_CSV_HEADER}\n` : '';
  for await (const e of entries) {
    chunk += csv ? `${suppressionCsvLine(e)}\n` : `${JSON.stringify(suppressionJson(e))}\n`;
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
