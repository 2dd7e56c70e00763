/**
 * Which tenant a campaign belongs to. A tenant's campaign is stored under `<tenant>~<campaignId>`: the same
 * campaignId in two tenants is two campaigns, and a tenant key can only ever name its own (its ids are always
 * prefixed with its own tenant), so another tenant's campaign is simply not found. `~` cannot occur in a
 * campaignId a caller gives (letters, digits, '_', '.', '-'), so a stored id says its owner unambiguously.
 */
export const OWNER_SEPARATOR = '~';

/** The stored id of `tenant`'s campaign `campaignId`; an admin's campaign (no tenant) keeps its id. */
export function ownedId(tenant: string | undefined, campaignId: string): string {
  return tenant === undefined ? campaignId : `${tenant}${OWNER_SEPARATOR}${campaignId}`;
}

/** The tenant and the tenant's own id of a stored campaign id. */
export function ownerOf(storedId: string): { tenant?: string; campaignId: string } {
  const at = storedId.indexOf(OWNER_SEPARATOR);
  return at === -1 ? { campaignId: storedId } : { tenant: storedId.slice(0, at), campaignId: storedId.slice(at + 1) };
}

/** The id as `tenant` sees it: its own campaigns without the prefix; for an admin (no tenant), the stored id. */
export function idAsSeenBy(tenant: string | undefined, storedId: string): string {
  if (tenant === undefined) return storedId;
  const owner = ownerOf(storedId);
  return owner.tenant === tenant ? owner.campaignId : storedId;
}
