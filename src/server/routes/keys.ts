/**
 * /v1/keys: API keys and their tenants' limits and webhooks, as `smsq keys` manages them; admin keys only
 * (access.ts). The caller is the audit trail's actor. A key and a generated webhook secret appear once, in the answer
 * that made them; no answer holds a key's hash or a webhook secret otherwise.
 */
import type { FastifyInstance } from 'fastify';
import { createKey, type CreateKeyOptions, type KeyUpdate, listKeys, revokeKey, updateKey } from '../../producer/operator/keys';
import { withIsoTimes } from '../../shared/campaign/json';
import { PRIORITIES } from '../../shared/campaign/lanes';
import { type Principal, SCOPES } from '../../shared/tenants/api-key';
import { LIMIT_BOUNDS } from '../../shared/tenants/tenant-settings';
import type { ServerDeps } from '../app';
import { ApiError } from '../errors';

const limitProperties = (nullable: boolean) => {
  // `nullable`, not a type list: Ajv reads it, and it is how OpenAPI 3.0 says null is allowed.
  const t = (type: string) => ({ type, ...(nullable ? { nullable: true } : {}) });
  const bounds = ({ min, max }: { min: number; max: number }) => ({ minimum: min, maximum: max });
  return {
    lanes: {
      ...t('array'),
      items: { type: 'string', enum: [...PRIORITIES] },
      minItems: 1,
      maxItems: PRIORITIES.length,
      uniqueItems: true,
      description: 'The priorities its campaigns may use.',
    },
    maxRate: {
      ...t('integer'),
      ...bounds(LIMIT_BOUNDS.maxRate),
      description: 'The highest maxRate (recipients/s) a campaign may ask; its default.',
    },
    recipientsPerDay: { ...t('integer'), ...bounds(LIMIT_BOUNDS.recipientsPerDay), description: 'Recipients it may queue per UTC day.' },
    spendPerDay: {
      ...t('string'),
      pattern: '^[0-9]{1,12}(\\.[0-9]{1,6})?$',
      description: 'Estimated cost (price table, its currency) it may queue per UTC day, e.g. "25.00".',
    },
  };
};

const webhookProperties = {
  url: { type: 'string', maxLength: 2048, description: "Where the tenant's campaigns' events go (http or https)." },
  secret: {
    type: 'string',
    maxLength: 128,
    description: 'whsec_ + base64 of 24-64 bytes; without it the tenant keeps its own, or gets one, answered once as webhookSecret.',
  },
} as const;

export const createKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'scope'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 48, description: 'Letters, digits, _ . - : what the audit trail calls the key.' },
    scope: { type: 'string', enum: [...SCOPES] },
    tenant: { type: 'string', minLength: 1, maxLength: 16, description: 'Lower-case letters, digits, -; required for scope tenant.' },
    expires: { type: 'string', maxLength: 16, description: 'Its life: 90d, 12h, 30m (at most 3650d); default: until revoked.' },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: limitProperties(false),
      description: "The tenant's limits, set with the key.",
    },
    webhook: { type: 'object', additionalProperties: false, required: ['url'], properties: webhookProperties },
  },
} as const;

export const updateKeyBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: limitProperties(true),
      description: 'Limits to set; null removes one; those left out stay.',
    },
    webhook: {
      type: 'object',
      nullable: true,
      additionalProperties: false,
      minProperties: 1,
      properties: webhookProperties,
      description: 'Its url, its secret or both (what is left out stays); null removes the webhook.',
    },
  },
} as const;

export const keyParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64, description: 'The key id (smsq keys list); an unknown one is 404 KEY_NOT_FOUND.' },
  },
} as const;

export async function keyRoutes(app: FastifyInstance, { ctx }: ServerDeps): Promise<void> {
  const actorOf = (principal: Principal | undefined): Principal => {
    if (!principal) throw new ApiError('UNAUTHORIZED', 'no login');
    return principal;
  };

  app.post<{ Body: CreateKeyOptions }>('/v1/keys', { schema: { body: createKeyBody } }, async (req, reply) => {
    const created = await createKey(ctx, actorOf(req.principal), req.body);
    return reply.code(201).send(withIsoTimes(created));
  });

  app.get('/v1/keys', async () => {
    const { keys, unreadable } = await listKeys(ctx);
    return { keys: keys.map((k) => withIsoTimes(k)), unreadable };
  });

  app.post<{ Params: { id: string } }>('/v1/keys/:id/revoke', { schema: { params: keyParams } }, async (req) =>
    withIsoTimes(await revokeKey(ctx, actorOf(req.principal), req.params.id)),
  );

  app.patch<{ Params: { id: string }; Body: KeyUpdate }>(
    '/v1/keys/:id',
    { schema: { params: keyParams, body: updateKeyBody } },
    async (req) => withIsoTimes(await updateKey(ctx, actorOf(req.principal), req.params.id, req.body)),
  );
}
