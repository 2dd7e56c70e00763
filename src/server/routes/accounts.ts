/** GET /v1/accounts and POST /v1/accounts/:name/resume: the gateway accounts, as `smsq accounts` and `smsq accounts resume`. */
import type { FastifyInstance } from 'fastify';
import { accountsJson } from '../../producer/operator/accounts';
import { withIsoTimes } from '../../shared/campaign/json';
import type { ServerDeps } from '../app';
import { accountParams, accountsQuery } from '../schemas';

export async function accountRoutes(app: FastifyInstance, { producer, producerFor }: ServerDeps): Promise<void> {
  app.get<{ Querystring: { balance?: 'true' | 'false' } }>('/v1/accounts', { schema: { querystring: accountsQuery } }, async (req) =>
    accountsJson(await producer.accounts({ balance: req.query.balance !== 'false' })),
  );

  app.post<{ Params: { name: string } }>('/v1/accounts/:name/resume', { schema: { params: accountParams } }, async (req) =>
    withIsoTimes(await producerFor(req).resumeAccount(req.params.name)),
  );
}
