import type { SendChecks } from '../../src/shared/batch/store';
import type { Context } from '../../src/shared/context';

/** No suppression, contact history or cap: what a call's start checks when a test is about its end. */
export const NO_CHECKS: SendChecks = { suppression: false, contacts: false, capCount: 0, capPeriodSeconds: 0, contactTtlSeconds: 60 };

interface Staged {
  number: string;
  orderId: string;
}

/** Writes a running campaign `id` of one batch holding `recipients`, as staging leaves it. */
export async function stageOneBatch(ctx: Context, id: string, recipients: readonly Staged[]): Promise<void> {
  await ctx.redis.hset(ctx.keys.campaign(id), { state: 'running', total: String(recipients.length), batches: '1' });
  await ctx.redis.hset(ctx.keys.batch(id, 0), 'r', recipients.map((r) => `${r.number},${r.orderId}`).join('\n'));
}

/** Starts a call for `indices` of batch 0 as CallLoop does (BEGIN_CALL at the batch's version); throws if refused. */
export async function beginCall(ctx: Context, id: string, token: string, recipients: readonly Staged[], indices: number[]): Promise<void> {
  const version = (await ctx.batches.load(id, 0))?.version ?? 0;
  const r = await ctx.batches.beginCall(
    id,
    0,
    token,
    { indices, numbers: indices.map((i) => recipients[i].number), at: Date.now(), clockNow: Date.now() },
    version,
    NO_CHECKS,
  );
  if (!r.ok) throw new Error(`BEGIN_CALL refused the call: ${r.reason}`);
}
