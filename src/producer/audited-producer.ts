/**
 * The producer that records its changes in the audit trail (shared/audit/audit-log.ts): each enqueue, resend, pause,
 * resume, cancel, reschedule, budget change, settling, suppression change, queue pause or resume, account resume and
 * webhook retry writes one entry once it has succeeded, naming `actor`. Reads and previews record nothing. The
 * server wraps the producer of every request with the caller's actor (server/request-producer.ts), under the tenant
 * view, so campaign ids here are as stored (`<tenant>~<id>`); the CLI wraps its own with the OS user's.
 */
import type { Actor, AuditChange } from '../shared/audit/audit-log';
import { isoTime } from '../shared/campaign/json';
import type { Context } from '../shared/context';
import { formatMicros } from '../shared/delivery/money';
import { SmsqError } from '../shared/errors';
import type { Principal } from '../shared/tenants/api-key';
import { ownerOf } from '../shared/tenants/campaign-owner';
import type { Producer } from '.';

/** Numbers listed in a suppression entry at most; the count says how many there were. */
export const MAX_LISTED_NUMBERS = 100;
/** Errors after which an enqueue has queued the campaign all the same (the batches staged so far send). */
const QUEUED_DESPITE: ReadonlySet<string> = new Set(['STAGING_STOPPED', 'INPUT_CHANGED']);

export const actorOf = (p: Principal): Actor => ({
  keyId: p.keyId,
  keyName: p.keyName,
  ...(p.tenant !== undefined ? { tenant: p.tenant } : {}),
});

export function auditedProducer(base: Producer, ctx: Context, actor: Actor): Producer {
  // AuditLog.record never throws: a change made is answered as made, whether or not its entry could be written.
  const record = (change: AuditChange): Promise<void> => ctx.audit.record(actor, change);
  /** An entry about a stored campaign: its tenant is the campaign's owner, whoever acted on it. */
  const onCampaign = (action: string, storedId: string, changes?: Record<string, unknown>): Promise<void> => {
    const { tenant } = ownerOf(storedId);
    return record({ action, campaignId: storedId, ...(tenant !== undefined ? { tenant } : {}), ...(changes ? { changes } : {}) });
  };
  const settled = (id: string, r: Awaited<ReturnType<Producer['settleCampaign']>>, resend: boolean) =>
    onCampaign('campaign.settle', id, { resend, unknown: r.unknown, sent: r.sent, notSent: r.notSent, resent: r.resent });

  return {
    ...base,
    enqueueCampaign: async (opts) => {
      let queued: { campaignId: string; total: number } | undefined;
      // Read once the enqueue has checked them: before, a library caller's wrong types must meet its validation.
      const fields = () => ({
        priority: opts.priority ?? 'normal',
        ...(opts.sendAt !== undefined ? { sendAt: opts.sendAt instanceof Date ? opts.sendAt.toISOString() : opts.sendAt } : {}),
        ...(opts.maxRate !== undefined ? { maxRate: opts.maxRate } : {}),
        ...(opts.maxCost !== undefined ? { maxCost: opts.maxCost } : {}),
        // The text's length, not the text: the trail says who sent what kind of campaign, results hold the rest.
        contentLength: (opts.content ?? opts.variants?.[0] ?? '').length,
        ...(opts.variants !== undefined ? { variants: opts.variants.length } : {}),
      });
      try {
        const r = await base.enqueueCampaign({
          ...opts,
          onSending: async (campaignId, total) => {
            queued = { campaignId, total };
            await opts.onSending?.(campaignId, total);
          },
        });
        await onCampaign('campaign.enqueue', r.campaignId, { created: r.created, total: r.total, ...fields() });
        return r;
      } catch (err) {
        if (queued && err instanceof SmsqError && QUEUED_DESPITE.has(err.code))
          await onCampaign('campaign.enqueue', queued.campaignId, {
            created: true,
            total: queued.total,
            ...fields(),
            stagingStopped: err.code,
          });
        throw err;
      }
    },
    cancelCampaign: async (id) => {
      const info = await base.cancelCampaign(id);
      await onCampaign('campaign.cancel', id, { state: info.state });
      return info;
    },
    pauseCampaign: async (id, opts) => {
      const info = await base.pauseCampaign(id, opts);
      await onCampaign('campaign.pause', id, { reason: info.paused?.reason ?? opts?.reason ?? null });
      return info;
    },
    resumeCampaign: async (id) => {
      const info = await base.resumeCampaign(id);
      await onCampaign('campaign.resume', id, { state: info.state });
      return info;
    },
    rescheduleCampaign: async (id, sendAt) => {
      const before = (await ctx.campaigns.show(id))?.sendAt;
      const info = await base.rescheduleCampaign(id, sendAt);
      const after = info.schedule?.sendAt;
      await onCampaign('campaign.reschedule', id, {
        sendAt: { before: before === undefined ? null : isoTime(before), after: after === undefined ? null : isoTime(after) },
      });
      return info;
    },
    setMaxCost: async (id, maxCost) => {
      const before = (await ctx.campaigns.show(id))?.maxCost;
      const info = await base.setMaxCost(id, maxCost);
      await onCampaign('campaign.max-cost', id, {
        maxCost: { before: before === undefined ? null : formatMicros(before), after: info.maxCost ?? null },
      });
      return info;
    },
    resendCampaign: async (id, opts) => {
      const r = await base.resendCampaign(id, opts);
      await onCampaign('campaign.resend', r.campaignId, {
        parentId: id,
        created: r.created,
        count: r.total,
        leftOut: r.leftOut,
        ...(opts?.status ? { status: opts.status } : {}),
        ...(opts?.content !== undefined ? { contentLength: opts.content.length } : {}),
      });
      return r;
    },
    settleCampaign: async (id, opts) => {
      const r = await base.settleCampaign(id, opts);
      await settled(id, r, opts?.resend ?? false);
      return r;
    },
    reconcileCampaign: async (id, opts) => {
      const r = await base.reconcileCampaign(id, opts);
      await settled(id, r, opts?.resend ?? false);
      return r;
    },
    pause: async () => {
      await base.pause();
      await record({ action: 'queue.pause' });
    },
    resume: async () => {
      await base.resume();
      await record({ action: 'queue.resume' });
    },
    resumeAccount: async (name) => {
      const r = await base.resumeAccount(name);
      await record({ action: 'account.resume', changes: { name, clearedStop: r.cleared.stop?.code ?? null } });
      return r;
    },
    retryWebhooks: async (which, scope) => {
      const r = await base.retryWebhooks(which, scope);
      const ids = which === 'all' ? 'all' : which.slice(0, MAX_LISTED_NUMBERS);
      await record({ action: 'webhooks.retry', changes: { ids, retried: r.retried.length } });
      return r;
    },
    suppressions: {
      ...base.suppressions,
      add: async (...args: Parameters<Producer['suppressions']['add']>) => {
        const added = await base.suppressions.add(...args);
        const [numbers, opts] = args;
        await record({ action: 'suppression.add', changes: { ...listed(numbers), added, reason: opts?.reason ?? 'manual' } });
        return added;
      },
      remove: async (...args: Parameters<Producer['suppressions']['remove']>) => {
        const removed = await base.suppressions.remove(...args);
        await record({ action: 'suppression.remove', changes: { ...listed(args[0]), removed } });
        return removed;
      },
      import: async (...args: Parameters<Producer['suppressions']['import']>) => {
        const r = await base.suppressions.import(...args);
        const reason = args[1]?.reason ?? 'import';
        await record({ action: 'suppression.import', changes: { read: r.read, added: r.added, invalid: r.invalidCount, reason } });
        return r;
      },
    },
  };
}

/** The numbers of a suppression change as the trail keeps them: the first MAX_LISTED_NUMBERS, and how many in all. */
function listed(numbers: ReadonlyArray<string>): { numbers: string[]; count: number } {
  return { numbers: numbers.slice(0, MAX_LISTED_NUMBERS), count: numbers.length };
}
