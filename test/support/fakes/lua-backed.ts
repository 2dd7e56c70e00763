/**
 * Stand-ins for the modules that run Lua on `ctx.redis` themselves rather than through a store: staging
 * (STAGE_BATCH, AWAIT_STAGED, END_STAGING), the settle lock (SET NX, RELEASE_LOCK) and completion
 * (COMPLETE_IF_SETTLED). Each does what its script does, on the world of the fake context it is handed. A unit test
 * puts them in place with jest.mock, e.g.
 *
 *   jest.mock('../../../src/shared/campaign/staging', () => jest.requireActual('../../support/fakes/lua-backed').staging);
 *
 * Typed by Pick<typeof module>, so that a change of the real signatures breaks this file at compile time. The
 * scripts themselves are tested against Redis (test/integration).
 */
import { settledCount } from '../../../src/shared/batch/outcomes';
import { LIFECYCLE } from '../../../src/shared/campaign/lifecycle';
import type * as Staging from '../../../src/shared/campaign/staging';
import type * as Complete from '../../../src/shared/settling/complete';
import type * as SettleLock from '../../../src/shared/settling/settle-lock';
import type { Context } from '../../../src/shared/context';
import { decodeRecipients } from '../../../src/shared/recipient/codec';
import { jobIds } from '../../../src/shared/redis/keys';
import { worldOf } from './world';

/** The states a campaign completes from, as the lifecycle has them. */
const ACTIVE = new Set<string>(LIFECYCLE.complete.from);

/** campaign.completed with the campaign's counts, as the completing scripts reserve it. */
async function announceCompleted(ctx: Context, campaignId: string): Promise<void> {
  const rec = worldOf(ctx).campaign(campaignId);
  if (!rec) return;
  const { sent, failed, unknown, cancelled, notSent } = rec.counts;
  await ctx.webhooks.emit(campaignId, 'campaign.completed', { counts: { sent, failed, unknown, cancelled, notSent } });
}

export const complete: Pick<typeof Complete, 'completeIfSettled'> = {
  async completeIfSettled(ctx, campaignId) {
    const rec = worldOf(ctx).campaign(campaignId);
    if (!rec) return 'missing';
    if (!ACTIVE.has(rec.state)) return `ended:${rec.state}`;
    if (settledCount(rec.counts) < rec.total || rec.counts.unknown > 0) return 'open';
    rec.state = 'completed';
    rec.finishedAt = Date.now();
    await announceCompleted(ctx, campaignId);
    return 'completed';
  },
};

export const staging: Pick<typeof Staging, 'stageBatch' | 'awaitStaged' | 'endStaging'> = {
  async stageBatch(ctx, campaignId, batch, recipients, count) {
    const world = worldOf(ctx);
    const rec = world.campaign(campaignId);
    if (!rec?.staging) return 'ended';
    if (!world.batch(campaignId, batch)) {
      world.writeBatch(campaignId, batch, decodeRecipients(recipients));
      rec.staging.staged += count;
    }
    if (world.stagingWaiters.get(campaignId)?.delete(batch)) {
      const job = await ctx.queues.batches.getJob(jobIds.batch(campaignId, batch));
      await job?.promote().catch(() => undefined);
    }
    return 'written';
  },
  async awaitStaged(ctx, campaignId, batch) {
    const world = worldOf(ctx);
    if (world.batch(campaignId, batch)) return 'staged';
    if (!world.campaign(campaignId)?.staging) return 'never';
    const waiters = world.stagingWaiters.get(campaignId) ?? new Set<number>();
    waiters.add(batch);
    world.stagingWaiters.set(campaignId, waiters);
    return 'wait';
  },
  async endStaging(ctx, campaignId, reason = '') {
    const world = worldOf(ctx);
    const rec = world.campaign(campaignId);
    if (!rec?.staging) return 'not-staging';
    const staged = rec.staging.staged;
    delete rec.staging;
    world.stagingWaiters.delete(campaignId);
    if (staged >= rec.total) return 'done';
    rec.unstaged = { count: rec.total - staged, reason };
    rec.total = staged;
    if (settledCount(rec.counts) < staged) return 'cut';
    const completed = ACTIVE.has(rec.state);
    // Unknown recipients hold a campaign that would complete open for settling.
    if (completed && rec.counts.unknown > 0) return 'cut';
    if (completed) rec.state = 'completed';
    rec.finishedAt = Date.now();
    if (completed) await announceCompleted(ctx, campaignId);
    return completed ? 'completed' : 'cut';
  },
};

export const settleLock: Pick<typeof SettleLock, 'withSettleLock'> = {
  /** Held or free, no waiting: a test that wants it busy adds the campaign to the world's settleLocks. */
  async withSettleLock<T>(ctx: Context, campaignId: string, _waitMs: number, fn: () => Promise<T>) {
    const locks = worldOf(ctx).settleLocks;
    if (locks.has(campaignId)) return null;
    locks.add(campaignId);
    try {
      return { value: await fn() };
    } finally {
      locks.delete(campaignId);
    }
  },
};
