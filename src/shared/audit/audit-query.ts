/**
 * A question to the audit trail as a caller writes it (`smsq audit --tenant … --since 24h`, `GET /v1/audit?…`),
 * checked once into an AuditFilter: the CLI and the API accept exactly the same.
 */
import { parseDuration } from '../config/env';
import { parseSince } from '../replies/replies-csv';
import { ownedId, OWNER_SEPARATOR } from '../tenants/campaign-owner';
import { TENANT_PATTERN, TENANT_RULE } from '../tenants/api-key';
import { MAX_AUDIT_PAGE, type AuditFilter } from './audit-log';

export interface AuditQuery {
  tenant?: string;
  /** A stored campaign id (`shop~spring-sale`), or with `tenant` that tenant's own id (`spring-sale`). */
  campaign?: string;
  /** An ISO 8601 date or time, or how long ago: `24h`, `90m`, `7d`. */
  since?: string;
  limit?: string;
}

/** A stored id at most: a tenant (16), `~`, a campaign id (64). */
const CAMPAIGN_MAX_LENGTH = 81;
const CAMPAIGN_PATTERN = /^[A-Za-z0-9_.~-]+$/;
const DEFAULT_LIMIT = 100;

export type AuditQueryCheck = { filter: AuditFilter } | { field: keyof AuditQuery; problem: string };

/** The filter, or the first field at fault and why; `now` turns `24h` into a time. */
export function checkAuditQuery(q: AuditQuery, now: number): AuditQueryCheck {
  const filter: AuditFilter = { limit: DEFAULT_LIMIT };
  if (q.tenant !== undefined) {
    if (!TENANT_PATTERN.test(q.tenant))
      return { field: 'tenant', problem: `${TENANT_RULE}; ${JSON.stringify(q.tenant.slice(0, 40))} is not one` };
    filter.tenant = q.tenant;
  }
  if (q.campaign !== undefined) {
    if (q.campaign.length > CAMPAIGN_MAX_LENGTH || !CAMPAIGN_PATTERN.test(q.campaign))
      return {
        field: 'campaign',
        problem: `a campaign id is letters, digits, '_', '.', '-' (and '~' after its tenant), at most ${CAMPAIGN_MAX_LENGTH} characters`,
      };
    filter.campaignId = q.tenant !== undefined && !q.campaign.includes(OWNER_SEPARATOR) ? ownedId(q.tenant, q.campaign) : q.campaign;
  }
  if (q.since !== undefined) {
    const since = sinceTime(q.since, now);
    if (since === null)
      return {
        field: 'since',
        problem: `give an ISO 8601 date or time (2026-01-31, 2026-01-31T08:00:00Z) or how long ago (24h, 90m, 7d), not ${JSON.stringify(q.since.slice(0, 40))}`,
      };
    filter.since = since;
  }
  if (q.limit !== undefined) {
    const n = /^[0-9]{1,4}$/.test(q.limit) ? Number(q.limit) : NaN;
    if (!(n >= 1 && n <= MAX_AUDIT_PAGE))
      return { field: 'limit', problem: `give a whole number from 1 to ${MAX_AUDIT_PAGE}, not ${JSON.stringify(q.limit.slice(0, 40))}` };
    filter.limit = n;
  }
  return { filter };
}

/** ms since the epoch, or null. A duration needs its unit: a bare number would read as milliseconds ago. */
function sinceTime(text: string, now: number): number | null {
  if (text.length > 64) return null;
  if (/^\s*\d+(?:\.\d+)?\s*(s|m|h|d)\s*$/.test(text)) {
    const ago = parseDuration(text);
    return ago === null ? null : Math.max(0, now - ago);
  }
  return parseSince(text);
}
