/**
 * The producer as the caller of one request may use it: every change recorded in the audit trail under the caller's
 * key (producer/audited-producer.ts), and a tenant's key seeing its tenant's view (producer/tenant-producer.ts). The
 * audit sits under the tenant view, so that its entries name each campaign by its stored id.
 */
import type { FastifyRequest } from 'fastify';
import type { Producer } from '../producer';
import { actorOf, auditedProducer } from '../producer/audited-producer';
import { tenantProducer } from '../producer/tenant-producer';
import type { Context } from '../shared/context';
import { ApiError } from './errors';

export function requestProducers(base: Producer, ctx: Context): (req: FastifyRequest) => Producer {
  const made = new WeakMap<FastifyRequest, Producer>();
  return (req) => {
    let p = made.get(req);
    if (!p) {
      // Set by the authentication hooks before any route that reaches a producer runs.
      if (!req.principal) throw new ApiError('UNAUTHORIZED', 'no login');
      const audited = auditedProducer(base, ctx, actorOf(req.principal));
      const tenant = req.principal.tenant;
      // The server's producer is shared: a request's view of it closes nothing.
      p = tenant === undefined ? { ...audited, close: async () => undefined } : tenantProducer(audited, ctx, tenant);
      made.set(req, p);
    }
    return p;
  };
}
