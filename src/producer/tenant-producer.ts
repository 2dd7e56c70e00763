/**
 * A tenant's view of the producer: every campaign id it gives is its own (`<tenant>~<id>` as stored, see
 * tenants/campaign-owner.ts) and every id it reads back is shown without the prefix, so another tenant's campaign
 * is not found (404) rather than forbidden, and the same campaignId in two tenants is two campaigns. Lists and
 * replies hold only its own. Which routes a scope reaches at all is server/access.ts's table; this is what the
 * routes it reaches show and touch.
 */
import { randomUUID } from 'node:crypto';
import type { CampaignInfo } from '../shared/types';
import { idAsSeenBy, ownedId, ownerOf } from '../shared/tenants/campaign-owner';
import type { Context } from '../shared/context';
import type { Producer } from '.';

export function tenantProducer(base: Producer, _ctx: Context, tenant: string): Producer {
  const own = (id: string) => ownedId(tenant, id);
  const seen = (id: string) => idAsSeenBy(tenant, id);
  const view = <T extends { campaignId: string }>(x: T): T => ({ ...x, campaignId: seen(x.campaignId) });
  const viewInfo = (info: CampaignInfo): CampaignInfo => view(info);
  return {
    ...base,
    enqueueCampaign: async (opts) => {
      const result = await base.enqueueCampaign({ ...opts, campaignId: own(opts.campaignId ?? randomUUID()) });
      return view(result);
    },
    previewCampaign: (opts) =>
      base.previewCampaign({ ...opts, ...(opts.campaignId !== undefined ? { campaignId: own(opts.campaignId) } : {}) }),
    getCampaign: async (id) => viewInfo(await base.getCampaign(own(id))),
    listCampaigns: async (opts = {}) => {
      const page = await base.listCampaigns({ ...opts, tenant });
      return { ...page, campaigns: page.campaigns.map(viewInfo) };
    },
    campaignResults: (id, opts) => base.campaignResults(own(id), opts),
    cancelCampaign: async (id) => viewInfo(await base.cancelCampaign(own(id))),
    pauseCampaign: async (id, opts) => viewInfo(await base.pauseCampaign(own(id), opts)),
    resumeCampaign: async (id) => viewInfo(await base.resumeCampaign(own(id))),
    rescheduleCampaign: async (id, sendAt) => viewInfo(await base.rescheduleCampaign(own(id), sendAt)),
    setMaxCost: async (id, maxCost) => viewInfo(await base.setMaxCost(own(id), maxCost)),
    settleCampaign: async (id, opts) => view(await base.settleCampaign(own(id), opts)),
    reconcileCampaign: async (id, opts) => view(await base.settleCampaign(own(id), opts)),
    listReplies: (filter = {}) => ownReplies(base, tenant, filter),
    // Its own entries: added without taking over one already listed, removed only if it added them (opt-outs stay everyone's).
    suppressions: {
      ...base.suppressions,
      add: (numbers, opts) => base.suppressions.add(numbers, { ...opts, tenant }),
      remove: (numbers) => base.suppressions.remove(numbers, { tenant }),
      import: (rows, opts) => base.suppressions.import(rows, { ...opts, tenant }),
    },
    // The server's producer is shared: a request's view of it closes nothing.
    close: async () => undefined,
  };
}

async function* ownReplies(base: Producer, tenant: string, filter: Parameters<Producer['listReplies']>[0] = {}) {
  const campaignId = filter.campaignId === undefined ? undefined : ownedId(tenant, filter.campaignId);
  for await (const r of base.listReplies({ ...filter, campaignId })) {
    if (r.campaignId === undefined || ownerOf(r.campaignId).tenant !== tenant) continue;
    yield { ...r, campaignId: idAsSeenBy(tenant, r.campaignId) };
  }
}
