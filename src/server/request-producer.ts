/** The producer as the caller of one request may use it: a tenant's key sees its tenant's view (producer/tenant-producer.ts). */
import type { FastifyRequest } from 'fastify';
import type { Producer } from '../producer';
import type { Context } from '../shared/context';
import { tenantProducer } from '../producer/tenant-producer';

export function requestProducers(base: Producer, ctx: Context): (req: FastifyRequest) => Producer {
  const made = new WeakMap<FastifyRequest, Producer>();
  return (req) => {
    let p = made.get(req);
    if (!p) {
      const tenant = req.principal?.tenant;
      p = tenant === undefined ? base : tenantProducer(base, ctx, tenant);
      made.set(req, p);
    }
    return p;
  };
}
