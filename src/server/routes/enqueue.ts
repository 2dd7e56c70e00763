/**
 * POST /v1/campaigns: a campaign as JSON (a body limit applies), or its recipients streamed as NDJSON or CSV with
 * the campaign's fields in the query string — a million recipients pass through readRecipients row by row
 * and never sit in the server's memory at once.
 */
import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EnqueueResult, ProducerEnqueueOptions } from '../../producer';
import { readRecipients, type RecipientFormat } from '../../producer/read-recipients';
import type { Priority } from '../../shared/campaign/lanes';
import type { WinnerBy } from '../../shared/campaign/variants';
import type { RecipientInput } from '../../shared/types';
import type { ServerDeps } from '../app';
import { type ACCEPTED_MEDIA_TYPES, ApiError } from '../errors';
import { enqueueJsonBody, enqueueStreamQuery } from '../schemas';

/** Media types read as a stream of rows; `text/plain` is refused (415): a list must say which format it is in. */
export const STREAM_TYPES: Record<Exclude<(typeof ACCEPTED_MEDIA_TYPES)[number], 'application/json'>, RecipientFormat> = {
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'text/csv': 'csv',
};

interface JsonBody {
  campaignId?: string;
  content?: string;
  /** A/B variants: two to five texts instead of content (the library checks each, naming variants[k]). */
  variants?: string[];
  winnerBy?: WinnerBy;
  senderId?: string;
  accounts?: string[];
  recipients: RecipientInput[];
  skipInvalid?: boolean;
  balanceCheck?: 'warn' | 'require';
  priority?: Priority;
  maxRate?: number;
  ignoreFrequencyCap?: boolean;
  sendAt?: string;
  window?: string;
  timezone?: string;
  validFor?: string | number;
  expireAt?: string;
  maxCost?: number;
  callbackUrl?: string;
  trackLinks?: boolean;
  canary?: number | string;
  canaryHold?: number | string;
  maxFailedRate?: number;
  minDeliveredRate?: number;
  maxOptOutRate?: number;
  recoverSince?: string;
}

interface StreamQuery {
  campaignId?: string;
  content?: string;
  /** A/B variants, the parameter repeated once per text: one string when given once. */
  variant?: string | string[];
  winnerBy?: WinnerBy;
  senderId?: string;
  /** Comma-separated account names. */
  accounts?: string;
  skipInvalid?: 'true' | 'false';
  balanceCheck?: 'warn' | 'require';
  priority?: Priority;
  maxRate?: string;
  ignoreFrequencyCap?: 'true' | 'false';
  sendAt?: string;
  window?: string;
  timezone?: string;
  validFor?: string;
  expireAt?: string;
  maxCost?: string;
  dryRun?: 'true' | 'false';
  callbackUrl?: string;
  trackLinks?: 'true' | 'false';
  canary?: string;
  canaryHold?: string;
  maxFailedRate?: string;
  minDeliveredRate?: string;
  maxOptOutRate?: string;
  recoverSince?: string;
}

export async function enqueueRoutes(app: FastifyInstance, { producerFor, config }: ServerDeps): Promise<void> {
  app.removeContentTypeParser('text/plain');
  // The raw request is the body: the handler reads it as a stream, counting bytes against the stream limit.
  app.addContentTypeParser(Object.keys(STREAM_TYPES), (_req, payload, done) => done(null, payload));

  app.post<{ Body: JsonBody | Readable; Querystring: StreamQuery }>(
    '/v1/campaigns',
    {
      bodyLimit: config.server.jsonBodyLimit,
      schema: { body: { content: { 'application/json': { schema: enqueueJsonBody } } }, querystring: enqueueStreamQuery },
    },
    async (req, reply) => {
      const format = STREAM_TYPES[mediaType(req) as keyof typeof STREAM_TYPES];
      const { dryRun, ...query } = req.query;
      let options: ProducerEnqueueOptions;
      if (format) {
        options = streamOptions(req, query, format, config.server.streamBodyLimit);
      } else {
        if (Object.keys(query).length > 0)
          throw new ApiError(
            'BAD_REQUEST',
            "with a JSON body, give the campaign's fields in the body, not the query string (only dryRun goes there)",
          );
        const { recipients, ...fields } = req.body as JsonBody;
        options = { ...fields, recipients };
      }
      // A dry run answers what the enqueue would: counts, encodings, segments, estimated cost, samples; nothing queued.
      if (dryRun === 'true') {
        const { balanceCheck: _ignored, recoverSince: _recovery, ...previewOptions } = options;
        return reply.code(200).send(await producerFor(req).previewCampaign(previewOptions));
      }
      const result: EnqueueResult = await producerFor(req).enqueueCampaign(options);
      // 201 for a new campaign; 200 when the same campaign was already queued and nothing new was queued.
      return reply
        .code(result.created ? 201 : 200)
        .header('location', `/v1/campaigns/${encodeURIComponent(result.campaignId)}`)
        .send(result);
    },
  );
}

export function mediaType(req: FastifyRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function streamOptions(
  req: FastifyRequest,
  q: Omit<StreamQuery, 'dryRun'>,
  format: RecipientFormat,
  limit: number,
): ProducerEnqueueOptions {
  if (q.content === undefined && q.variant === undefined)
    throw new ApiError(
      'BAD_REQUEST',
      'a streamed recipient list needs the message as the query parameter content, or A/B variants as variant (repeated once per text)',
    );
  // Given once, the parameter is one string: a list of one, which the library refuses as too few (422).
  const variants = q.variant === undefined ? undefined : typeof q.variant === 'string' ? [q.variant] : q.variant;
  return {
    campaignId: q.campaignId,
    content: q.content,
    variants,
    winnerBy: q.winnerBy,
    senderId: q.senderId,
    accounts: q.accounts?.split(','),
    skipInvalid: q.skipInvalid === 'true',
    balanceCheck: q.balanceCheck,
    priority: q.priority,
    maxRate: q.maxRate === undefined ? undefined : Number(q.maxRate),
    ignoreFrequencyCap: q.ignoreFrequencyCap === 'true',
    sendAt: q.sendAt,
    window: q.window,
    timezone: q.timezone,
    validFor: q.validFor,
    expireAt: q.expireAt,
    maxCost: q.maxCost === undefined ? undefined : Number(q.maxCost),
    callbackUrl: q.callbackUrl,
    trackLinks: q.trackLinks === 'true',
    // A count in the query string is digits; a share ("2%") goes as it is. The library checks both.
    canary: q.canary === undefined ? undefined : /^\d+$/.test(q.canary) ? Number(q.canary) : q.canary,
    canaryHold: q.canaryHold,
    maxFailedRate: q.maxFailedRate === undefined ? undefined : Number(q.maxFailedRate),
    minDeliveredRate: q.minDeliveredRate === undefined ? undefined : Number(q.minDeliveredRate),
    maxOptOutRate: q.maxOptOutRate === undefined ? undefined : Number(q.maxOptOutRate),
    recoverSince: q.recoverSince,
    rows: readRecipients(limitedBody(req.body as Readable, req.headers['content-length'], limit), format, {
      content: variants ?? q.content,
    }),
  };
}

/**
 * The request body, refused with PAYLOAD_TOO_LARGE past `limit` bytes: at once when Content-Length says so, or
 * as the bytes arrive for a chunked upload. The request is unpiped, never destroyed, so the 413 still reaches
 * the client (the connection then closes). An upload cut off by the client ends the read with BAD_REQUEST.
 */
export function limitedBody(body: Readable, contentLength: string | undefined, limit: number): Readable {
  const tooLarge = () =>
    new ApiError('PAYLOAD_TOO_LARGE', `the recipient list is larger than API_STREAM_BODY_LIMIT (${limit} bytes); split the campaign`);
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
