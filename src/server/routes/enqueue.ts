/**
 * POST /v1/campaigns: a campaign as JSON (a body limit applies), or its recipients streamed as NDJSON or CSV with
 * the campaign's fields in the query string — a million recipients pass through readRecipients row by row
 * and never sit in the server's memory at once.
 */
import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EnqueueResult, ProducerEnqueueOptions } from '../../producer';
import { readRecipients, type RecipientFormat } from '../../producer/read-recipients';
import type { RecipientInput } from '../../shared/types';
import type { ServerDeps } from '../app';
import { ApiError } from '../errors';
import { enqueueJsonBody, enqueueStreamQuery } from '../schemas';

/** Media types read as a stream of rows; `text/plain` is refused (415): a list must say which format it is in. */
export const STREAM_TYPES: Record<string, RecipientFormat> = {
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'text/csv': 'csv',
};

interface JsonBody {
  campaignId?: string;
  content: string;
  senderId?: string;
  recipients: RecipientInput[];
  skipInvalid?: boolean;
  balanceCheck?: 'warn' | 'require';
  callbackUrl?: string;
}

interface StreamQuery {
  campaignId?: string;
  content?: string;
  senderId?: string;
  skipInvalid?: 'true' | 'false';
  balanceCheck?: 'warn' | 'require';
  callbackUrl?: string;
}

export async function enqueueRoutes(app: FastifyInstance, { producer, config }: ServerDeps): Promise<void> {
  app.removeContentTypeParser('text/plain');
  // The raw request is the body: the handler reads it as a stream, counting bytes against the stream limit.
  app.addContentTypeParser(Object.keys(STREAM_TYPES), (_req, payload, done) => done(null, payload));

  app.post<{ Body: JsonBody | Readable; Querystring: StreamQuery }>('/v1/campaigns', {
    bodyLimit: config.server.jsonBodyLimit,
    schema: { body: { content: { 'application/json': { schema: enqueueJsonBody } } }, querystring: enqueueStreamQuery },
  }, async (req, reply) => {
    const format = STREAM_TYPES[mediaType(req)];
    let result: EnqueueResult;
    if (format) {
      result = await producer.enqueueCampaign(streamOptions(req, format, config.server.streamBodyLimit));
    } else {
      if (Object.keys(req.query).length > 0) throw new ApiError('BAD_REQUEST', 'with a JSON body, give the campaign\'s fields in the body, not the query string');
      const { recipients, ...fields } = req.body as JsonBody;
      result = await producer.enqueueCampaign({ ...fields, recipients });
    }
    // 201 for a new campaign; 200 when the same campaign was already queued and nothing new was queued.
    return reply
      .code(result.created ? 201 : 200)
      .header('location', `/v1/campaigns/${encodeURIComponent(result.campaignId)}`)
      .send(result);
  });
}

function mediaType(req: FastifyRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function streamOptions(req: FastifyRequest<{ Querystring: StreamQuery }>, format: RecipientFormat, limit: number): ProducerEnqueueOptions {
  const q = req.query;
  if (q.content === undefined) throw new ApiError('BAD_REQUEST', 'a streamed recipient list needs the message as the query parameter content');
  return {
    campaignId: q.campaignId,
    content: q.content,
    senderId: q.senderId,
    skipInvalid: q.skipInvalid === 'true',
    balanceCheck: q.balanceCheck,
    callbackUrl: q.callbackUrl,
    rows: readRecipients(limitedBody(req.body as Readable, req.headers['content-length'], limit), format),
  };
}

/**
 * The request body, refused with PAYLOAD_TOO_LARGE past `limit` bytes: at once when Content-Length says so, or
 * as the bytes arrive for a chunked upload. The request is unpiped, never destroyed, so the 413 still reaches
 * the client (the connection then closes). An upload cut off by the client ends the read with BAD_REQUEST.
 */
function limitedBody(body: Readable, contentLength: string | undefined, limit: number): Readable {
  const tooLarge = () => new ApiError('PAYLOAD_TOO_LARGE', `the recipient list is larger than API_STREAM_BODY_LIMIT (${limit} bytes); split the campaign`);
  if (Number(contentLength) > limit) throw tooLarge();
  let seen = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) done(tooLarge());
      else done(null, chunk);
    },
  });
  // The error is kept on the stream (`errored`) for readRecipients, which may not be reading yet when it happens.
  counted.on('error', () => undefined);
  body.once('close', () => {
    if (!body.readableEnded) counted.destroy(new ApiError('BAD_REQUEST', 'the upload was cut off before its end'));
  });
  return body.pipe(counted);
}
