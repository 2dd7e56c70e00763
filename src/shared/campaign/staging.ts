/**
 * A campaign that sends while it is being staged (a file read twice: validated whole first, then staged while its
 * first batches already go out; see producer/enqueue.ts). Its record carries `staging` until the producer has
 * written every batch, and `staged`, the recipients written so far. A batch job that starts before its batch is
 * written waits for it (AWAIT_STAGED); the producer wakes it as it writes it (STAGE_BATCH). Staging that ends
 * early (cancel, content refusal, expiry, the file changed, or an operator giving up on a producer that died) cuts
 * the campaign to what was staged (END_STAGING): `total` becomes the staged recipients and `unstaged` the rest.
 */
import type { Context } from '../context';
import { jobIds } from '../redis/keys';
import { runCompletion } from './completion';
import { runScript, lua } from '../redis/lua';
import { stagedCheckFields, type StagedCheck } from '../opt-out/list-version';

/** Writes a batch while its campaign is staging, waking its job if it waits (scripts/stage-batch.lua). */
const STAGE_BATCH = lua<
  [batch: string, campaign: string, waiters: string],
  [recipients: string, count: string, batch: string, ...checkFields: string[]],
  'ended' | 0 | 1
>('stage-batch');

/** For a batch job whose batch has no record: 'staged', 'wait' or 'never' (scripts/await-staged.lua). */
const AWAIT_STAGED = lua<[batch: string, campaign: string, waiters: string], [batch: string], 'staged' | 'wait' | 'never'>('await-staged');

/** How staging ended: 'done' (every batch written), 'cut' (to the batches written), 'completed' (cut, and completed). */
export type StagingEnd = 'not-staging' | 'done' | 'cut' | 'completed';
/** Ends staging, cutting the campaign to what was staged and completing it when nothing else will (scripts/end-staging.lua). */
const END_STAGING = lua<
  [campaign: string, waiters: string],
  [reason: string, retentionSeconds: string, now: string, completeFrom: string, webhooks: '1' | ''],
  StagingEnd | `completed|${string}`
>('end-staging');

/**
 * Writes batch `batch` of a campaign that is staging; see STAGE_BATCH. Wakes the batch's job if it waits for it.
 * `check`: what the suppression list held for these recipients, when staging looked.
 */
export async function stageBatch(
  ctx: Context,
  campaignId: string,
  batch: number,
  recipients: string,
  count: number,
  check?: StagedCheck,
): Promise<'ended' | 'written'> {
  const { keys } = ctx;
  const r = await runScript(
    ctx.redis,
    STAGE_BATCH,
    [keys.batch(campaignId, batch), keys.campaign(campaignId), keys.stagingWaiters(campaignId)],
    [recipients, String(count), String(batch), ...(check ? stagedCheckFields(check) : [])],
  );
  if (r === 'ended') return 'ended';
  // A job that moved itself to delayed before this write is promoted here; one still on its way there promotes itself.
  if (r === 1) await (await ctx.queues.batches.getJob(jobIds.batch(campaignId, batch)))?.promote().catch(() => undefined);
  return 'written';
}

export async function awaitStaged(ctx: Context, campaignId: string, batch: number): Promise<'staged' | 'wait' | 'never'> {
  const { keys } = ctx;
  return runScript(
    ctx.redis,
    AWAIT_STAGED,
    [keys.batch(campaignId, batch), keys.campaign(campaignId), keys.stagingWaiters(campaignId)],
    [String(batch)],
  );
}

/**
 * Ends a campaign's staging; `reason` says why when it ends early (see END_STAGING). A campaign this completes
 * gets its campaign.completed event here (runCompletion), as nothing else will send it.
 */
export async function endStaging(ctx: Context, campaignId: string, reason = ''): Promise<StagingEnd> {
  const { keys } = ctx;
  const now = Date.now();
  const result = await runCompletion<StagingEnd>(ctx, campaignId, now, (completeFrom, webhooks) =>
    runScript(
      ctx.redis,
      END_STAGING,
      [keys.campaign(campaignId), keys.stagingWaiters(campaignId)],
      [reason, String(ctx.config.resultRetentionSeconds), String(now), completeFrom, webhooks],
    ),
  );
  // Info, not a warning: whoever ended it (a cancel, a changed file) is told, and the campaign's status says so.
  if (result === 'cut' || result === 'completed')
    ctx.log.info({ campaignId, reason }, 'staging ended before every batch was written: the campaign is cut to the recipients staged');
  return result;
}
