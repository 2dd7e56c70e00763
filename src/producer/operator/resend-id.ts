import { ownedId, ownerOf } from '../../shared/tenants/campaign-owner';

/** The longest campaignId (producer/validate.ts): a resend's id cuts its parent's to fit its suffix. */
const MAX_ID = 64;
const RESEND_SUFFIX = /-resend(?:-(\d{1,4}))?$/;

/**
 * The ids a resend of `parentId` (as stored) tries, in order: `<id>-resend`, or for a resend of a resend the next
 * number (`x-resend` → `x-resend-2`), then the numbers after it. Deterministic, so that running the same resend
 * again finds its own campaign (and queues nothing new). A tenant's campaign's resends stay the tenant's.
 */
export function resendIds(parentId: string, tries: number): string[] {
  const { tenant, campaignId } = ownerOf(parentId);
  const m = RESEND_SUFFIX.exec(campaignId);
  const base = m ? campaignId.slice(0, m.index) : campaignId;
  const first = m ? (m[1] === undefined ? 2 : Number(m[1]) + 1) : 1;
  return Array.from({ length: tries }, (_, i) => {
    const n = first + i;
    const suffix = n === 1 ? '-resend' : `-resend-${n}`;
    return ownedId(tenant, `${base.slice(0, MAX_ID - suffix.length)}${suffix}`);
  });
}
