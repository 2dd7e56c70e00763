/**
 * The audit trail beside one campaign: its entries, newest first, as the caller sees the campaign. The campaign is
 * looked up first through the caller's view, so another tenant's campaign is 404 CAMPAIGN_NOT_FOUND, like one that
 * never existed; the id is then resolved as that view resolves it (ownedId), so a tenant only ever reads its own
 * campaign's entries.
 */
import { withIsoTimes, type Json } from '../../shared/campaign/json';
import type { Context } from '../../shared/context';
import type { Producer } from '../../producer';
import type { AuditEntry } from '../../shared/audit/audit-log';
import type { Principal } from '../../shared/tenants/api-key';
import { idAsSeenBy, ownedId } from '../../shared/tenants/campaign-owner';

/** Entries shown: a campaign's changes are a handful (enqueue, pauses, a cancel), so this is all of them in practice. */
export const CAMPAIGN_AUDIT_LIMIT = 100;

export async function campaignAudit(
  ctx: Context,
  producer: Producer,
  who: Principal,
  id: string,
): Promise<{ entries: Array<Json<AuditEntry>> }> {
  await producer.getCampaign(id);
  const entries = await ctx.audit.ofCampaign(ownedId(who.tenant, id), CAMPAIGN_AUDIT_LIMIT);
  return {
    entries: entries.map((e) =>
      withIsoTimes({ ...e, ...(e.campaignId !== undefined ? { campaignId: idAsSeenBy(who.tenant, e.campaignId) } : {}) }),
    ),
  };
}
