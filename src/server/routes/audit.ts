/** GET /v1/audit?tenant=&campaign=&since=&limit= — the audit trail, newest first, for an admin key (access.ts). */
import type { FastifyInstance } from 'fastify';
import { checkAuditQuery, type AuditQuery } from '../../shared/audit/audit-query';
import { withIsoTimes } from '../../shared/campaign/json';
import type { ServerDeps } from '../app';
import { ApiError } from '../errors';

/** Each value's text is bounded here; what it must hold is checked by checkAuditQuery, as for `smsq audit`. */
export const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    tenant: { type: 'string', maxLength: 16, description: "Only entries about this tenant (its campaigns, its key's changes)." },
    campaign: {
      type: 'string',
      maxLength: 81,
      description: "Only entries about this campaign: its stored id (shop~spring-sale), or with tenant the tenant's own id.",
    },
    since: { type: 'string', maxLength: 64, description: 'Only entries from this ISO 8601 time on, or from this long ago (24h, 90m, 7d).' },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'Entries at most, 1 to 1000 (default 100).' },
  },
} as const;

export async function auditRoutes(app: FastifyInstance, { ctx }: ServerDeps): Promise<void> {
  app.get<{ Querystring: AuditQuery }>('/v1/audit', { schema: { querystring: auditQuery } }, async (req) => {
    const checked = checkAuditQuery(req.query, ctx.clock.now());
    if ('problem' in checked) throw new ApiError('BAD_REQUEST', `${checked.field}: ${checked.problem}`, { field: checked.field });
    return { entries: (await ctx.audit.list(checked.filter)).map((e) => withIsoTimes(e)) };
  });
}
