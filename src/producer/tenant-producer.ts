/**
 * A tenant's view of the producer: every campaign id it gives is its own (`<tenant>~<id>` as stored, see
 * tenants/campaign-owner.ts) and every id it reads back is shown without the prefix, so another tenant's campaign
 * is not found (404) rather than forbidden, and the same campaignId in two tenants is two campaigns. Lists and
 * replies hold only its own. Which routes a scope reaches at all is server/access.ts's table; this is what the
 * routes it reaches show and touch. Its enqueues are held to its limits (tenant-limits.ts); its previews say when
 * an enqueue would be refused by them.
 */
import { randomUUID } from 'node:crypto';
import type { CampaignInfo } from '../shared/types';
import { idAsSeenBy, ownedId, ownerOf } from '../shared/tenants/campaign-owner';
import type { Context } from '../shared/context';
import { SmsqError } from '../shared/errors';
import { asRedisError } from '../shared/redis/errors';
import { readUsage } from '../shared/tenants/tenant-usage';
import type { Producer, ProducerEnqueueOptions, ProducerEnqueueResult } from '.';
import { composeBeforeCommit, type StagedCampaign } from './enqueue';
import type { PreviewOptions, PreviewResult } from './preview';
import type { ResendOptions, ResendResult } from './operator/resend';
import { campaignRate, dailyRefusal, dailyShare, releaseDailyShare, reserveDailyShare, type Reservation } from './tenant-limits';

export function tenantProducer(base: Producer, ctx: Context, tenant: string): Producer {
  const own = (id: string) => ownedId(tenant, id);
  const seen = (id: string) => idAsSeenBy(tenant, id);
  const view = <T extends { campaignId: string }>(x: T): T => ({ ...x, campaignId: seen(x.campaignId) });
  const viewInfo = (info: CampaignInfo): CampaignInfo =>
    info.parentId === undefined ? view(info) : { ...view(info), parentId: seen(info.parentId) };
  return {
    ...base,
    enqueueCampaign: async (opts) =>
      view(await enqueueWithin(base, ctx, tenant, { ...opts, campaignId: own(givenId(opts.campaignId) ?? randomUUID()) })),
    previewCampaign: (opts) =>
      previewWithin(base, ctx, tenant, {
        ...opts,
        ...(opts.campaignId !== undefined ? { campaignId: own(givenId(opts.campaignId)) } : {}),
      }),
    getCampaign: async (id) => viewInfo(await base.getCampaign(own(id))),
    listCampaigns: async (opts = {}) => {
      const page = await base.listCampaigns({ ...opts, tenant });
      return { ...page, campaigns: page.campaigns.map(viewInfo) };
    },
    campaignResults: (id, opts) => base.campaignResults(own(id), opts),
    traceRecipient: async (id, number) => view(await base.traceRecipient(own(id), number)),
    cancelCampaign: async (id) => viewInfo(await base.cancelCampaign(own(id))),
    pauseCampaign: async (id, opts) => viewInfo(await base.pauseCampaign(own(id), opts)),
    resumeCampaign: async (id) => viewInfo(await base.resumeCampaign(own(id))),
    rescheduleCampaign: async (id, sendAt) => viewInfo(await base.rescheduleCampaign(own(id), sendAt)),
    setMaxCost: async (id, maxCost) => viewInfo(await base.setMaxCost(own(id), maxCost)),
    resendCampaign: async (id, opts = {}) => {
      const r = await resendWithin(base, ctx, tenant, own(id), {
        ...opts,
        ...(opts.campaignId !== undefined ? { campaignId: own(givenId(opts.campaignId)) } : {}),
      });
      return { ...view(r), parentId: seen(r.parentId) };
    },
    settleCampaign: async (id, opts) => view(await base.settleCampaign(own(id), opts)),
    reconcileCampaign: async (id, opts) => view(await base.settleCampaign(own(id), opts)),
    listReplies: (filter = {}) => ownReplies(base, tenant, filter),
    // Its own entries: added without taking over one already listed, removed only if it added them (opt-outs stay everyone's).
    suppressions: {
      ...base.suppressions,
      add: (numbers, opts) => base.suppressions.add(numbers, { ...opts, tenant }),
      remove: (numbers) => base.suppressions.remove(numbers, { tenant }),
      check: (number) => base.suppressions.check(number, { tenant }),
      list: () => base.suppressions.list({ tenant }),
      import: (rows, opts) => base.suppressions.import(rows, { ...opts, tenant }),
    },
    // Its own campaigns' failed events only, shown under its own ids; another's id is not found.
    failedWebhooks: async (limit) => (await base.failedWebhooks(limit, { tenant })).map(view),
    retryWebhooks: (which) => base.retryWebhooks(which, { tenant }),
    // The server's producer is shared: a request's view of it closes nothing.
    close: async () => undefined,
  };
}

/**
 * A campaignId a tenant gives is a plain one: `<tenant>~` is how ids are stored, and a tenant naming one
 * (`billing~x`) would only ever get its own `shop~billing~x`, which reads as billing's to a person.
 */
function givenId<T extends string | undefined>(id: T): T {
  const problem =
    id === undefined ? null : ownerOf(id).tenant !== undefined ? "campaignId may only contain letters, digits, '_', '.' and '-'" : null;
  if (problem) throw new SmsqError('VALIDATION_FAILED', `campaignId: ${problem}`, { fields: { campaignId: problem } });
  return id;
}

async function* ownReplies(base: Producer, tenant: string, filter: Parameters<Producer['listReplies']>[0] = {}) {
  const campaignId = filter.campaignId === undefined ? undefined : ownedId(tenant, filter.campaignId);
  for await (const r of base.listReplies({ ...filter, campaignId })) {
    if (r.campaignId === undefined || ownerOf(r.campaignId).tenant !== tenant) continue;
    yield { ...r, campaignId: idAsSeenBy(tenant, r.campaignId) };
  }
}

/**
 * Enqueues within the tenant's limits: lane and maxRate refused before a row is read, the day's share reserved as
 * the last step before the commit. A campaign not queued after all (its commit failed and was taken back) gives its
 * share back, best-effort: a failed enqueue does not use up the day.
 */
async function enqueueWithin(
  base: Producer,
  ctx: Context,
  tenant: string,
  opts: ProducerEnqueueOptions & { campaignId: string },
): Promise<ProducerEnqueueResult> {
  const { limits } = await ctx.tenants
    .get(tenant)
    .catch((err: unknown) => Promise.reject(asRedisError(err, ', and nothing was queued') ?? err));
  const maxRate = campaignRate(tenant, limits, opts);
  let reserved: Reservation | undefined;
  const reserve = async (total: number, staged: StagedCampaign) => {
    reserved = await reserveDailyShare(ctx, tenant, limits, dailyShare(tenant, limits, total, staged.texts));
  };
  try {
    return await base.enqueueCampaign({
      ...opts,
      ...(maxRate !== undefined ? { maxRate } : {}),
      beforeCommit: composeBeforeCommit(opts.beforeCommit, reserve),
    });
  } catch (err) {
    // Read back rather than inferred from the error: a campaign queued and then stopped staging keeps its share.
    if (reserved && (await ctx.campaigns.read(opts.campaignId).catch(() => null)) === null)
      await releaseDailyShare(ctx, reserved).catch(() => undefined);
    throw err;
  }
}

/**
 * A resend within the tenant's limits: its lane and rate are its first campaign's, checked when that was queued;
 * its recipients and spend are reserved for the day as an enqueue's are, and given back if it was not queued.
 */
async function resendWithin(base: Producer, ctx: Context, tenant: string, id: string, opts: ResendOptions): Promise<ResendResult> {
  const { limits } = await ctx.tenants
    .get(tenant)
    .catch((err: unknown) => Promise.reject(asRedisError(err, ', and nothing was queued') ?? err));
  let reserved: { campaignId: string; reservation: Reservation } | undefined;
  const reserve = async (total: number, staged: StagedCampaign) => {
    const reservation = await reserveDailyShare(ctx, tenant, limits, dailyShare(tenant, limits, total, staged.texts));
    reserved = { campaignId: staged.campaignId, reservation };
  };
  try {
    return await base.resendCampaign(id, { ...opts, beforeCommit: composeBeforeCommit(opts.beforeCommit, reserve) });
  } catch (err) {
    if (reserved && (await ctx.campaigns.read(reserved.campaignId).catch(() => null)) === null)
      await releaseDailyShare(ctx, reserved.reservation).catch(() => undefined);
    throw err;
  }
}

/** The preview, with the refusal an enqueue now would meet from the tenant's limits (the day read, nothing reserved). */
async function previewWithin(base: Producer, ctx: Context, tenant: string, opts: PreviewOptions): Promise<PreviewResult> {
  const { limits } = await ctx.tenants.get(tenant);
  const result = await base.previewCampaign(opts);
  if (result.refusal) return result;
  let refusal: SmsqError | null;
  try {
    campaignRate(tenant, limits, opts);
    const texts = { cost: result.estimatedCost, priceSource: result.priceSource, unpriced: result.unpriced };
    const now = ctx.clock.now();
    const usage = await readUsage(ctx.redis, ctx.keys, tenant, now);
    refusal = dailyRefusal(tenant, limits, usage, dailyShare(tenant, limits, result.recipients, texts), now);
  } catch (err) {
    if (!(err instanceof SmsqError)) throw err;
    refusal = err;
  }
  return refusal ? { ...result, refusal: { code: refusal.code, message: refusal.message } } : result;
}
