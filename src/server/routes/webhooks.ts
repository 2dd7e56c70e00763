/** GET /v1/webhooks/failed and POST /v1/webhooks/retry: webhook events that failed for good, and re-sending them (a tenant's key: its own campaigns' only). */
import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from '../app';
import { ApiError } from '../errors';
import { webhookRetryBody } from '../schemas';

export async function webhookRoutes(app: FastifyInstance, { producerFor }: ServerDeps): Promise<void> {
  app.get<{ Querystring: { limit?: string } }>(
    '/v1/webhooks/failed',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'string', pattern: '^[1-9][0-9]{0,4}$' } },
        },
      },
    },
    async (req) => ({ failed: await producerFor(req).failedWebhooks(req.query.limit ? Number(req.query.limit) : 100) }),
  );

  app.post<{ Body: { ids?: string[]; all?: boolean } }>('/v1/webhooks/retry', { schema: { body: webhookRetryBody } }, async (req) => {
    const { ids, all } = req.body;
    if (all && !ids?.length) return producerFor(req).retryWebhooks('all');
    if (!all && ids?.length) return producerFor(req).retryWebhooks(ids);
    throw new ApiError('BAD_REQUEST', 'give either ids (a non-empty list of webhook-ids) or all: true');
  });
}
