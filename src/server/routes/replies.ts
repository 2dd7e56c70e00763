/** GET /v1/replies?campaign=&since= — stored replies, streamed as NDJSON (or CSV with Accept: text/csv). */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { parseSince, REPLIES_CSV_HEADER, replyCsvLine } from '../../shared/replies/replies-csv';
import type { StoredReply } from '../../shared/replies/reply-store';
import type { ServerDeps } from '../app';
import { ApiError } from '../errors';

/** Lines are sent in pieces of about this size, as results are. */
const CHUNK_BYTES = 64 * 1024;

export const repliesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    campaign: { type: 'string', minLength: 1, description: 'Only replies attributed to this campaign.' },
    since: { type: 'string', description: 'Only replies the gateway received at or after this ISO 8601 time.' },
  },
} as const;

export async function replyRoutes(app: FastifyInstance, { producerFor }: ServerDeps): Promise<void> {
  app.get<{ Querystring: { campaign?: string; since?: string } }>(
    '/v1/replies',
    { schema: { querystring: repliesQuery } },
    async (req, reply) => {
      const since = req.query.since === undefined ? undefined : parseSince(req.query.since);
      if (since === null)
        throw new ApiError('BAD_REQUEST', `since must be an ISO 8601 time such as 2026-11-29T10:00:00Z, not "${req.query.since}"`);
      const csv = (req.headers.accept ?? '').toLowerCase().includes('text/csv');
      reply.type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
      return reply.send(
        Readable.from(lines(producerFor(req).listReplies({ campaignId: req.query.campaign, since }), csv), { objectMode: false }),
      );
    },
  );
}

async function* lines(replies: AsyncIterable<StoredReply>, csv: boolean): AsyncGenerator<string> {
  let chunk = csv ? `${REPLIES_CSV_HEADER}\n` : '';
  for await (const r of replies) {
    chunk += csv ? `${replyCsvLine(r)}\n` : `${JSON.stringify(r)}\n`;
    if (chunk.length >= CHUNK_BYTES) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
