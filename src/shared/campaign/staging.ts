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
import { emitCompleted } from '../settling/complete';
import { runScript, lua } from '../redis/lua';
import { LUA_COUNTER_FIELDS } from '../batch/outcomes';

/**
 * KEYS: batch, campaign, waiters. ARGV: encoded recipients, their count, the batch index. Writes the batch unless
 * it exists (a producer staging the rest of a campaign again writes only what is missing), while the campaign is
 * still staging. Returns 'ended' when staging was ended (nothing written), else 1 when a job waits for this batch.
 */
const STAGE_BATCH = lua<[batch: string, campaign: string, waiters: string], [recipients: string, count: string, batch: string], 'ended' | 0 | 1>(`
if not redis.call('HGET', KEYS[2], 'staging') then return 'ended' end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'r', ARGV[1])
  redis.call('HINCRBY', KEYS[2], 'staged', ARGV[2])
end
return redis.call('SREM', KEYS[3], ARGV[3])`);

/**
 * KEYS: batch, campaign, waiters. ARGV: the batch index. For a batch job whose batch has no record: 'staged' when
 * it has one now, 'wait' (noted among the waiters, for the producer to wake) while the campaign is staging, and
 * 'never' when it is not (staging ended before this batch was written, or the campaign never staged this way).
 */
const AWAIT_STAGED = lua<[batch: string, campaign: string, waiters: string], [batch: string], 'staged' | 'wait' | 'never'>(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 'staged' end
if not redis.call('HGET', KEYS[2], 'staging') then return 'never' end
redis.call('SADD', KEYS[3], ARGV[1])
return 'wait'`);

/**
 * KEYS: campaign, waiters. ARGV: why staging ended ('' when every batch was written), retention seconds, now (ms).
 * Ends staging. When recipients were never written, the campaign is cut to those that were; if all of those are
 * counted already (and none is `unknown`), nothing else will complete it, so this does. Returns 'not-staging',
 * 'done' (nothing cut), 'cut', or 'completed' (cut, and completed here).
 */
const END_STAGING = lua<[campaign: string, waiters: string], [reason: string, retentionSeconds: string, now: string], 'not-staging' | 'done' | 'cut' | 'completed'>(`
if not redis.call('HGET', KEYS[1], 'staging') then return 'not-staging' end
redis.call('HDEL', KEYS[1], 'staging')
redis.call('DEL', KEYS[2])
local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
local staged = tonumber(redis.call('HGET', KEYS[1], 'staged') or '0')
if staged >= total then return 'done' end
redis.call('HSET', KEYS[1], 'total', staged, 'unstaged', total - staged, 'stagingStop', ARGV[1])
local counted = 0
for _, counter in pairs(${LUA_COUNTER_FIELDS}) do counted = counted + tonumber(redis.call('HGET', KEYS[1], counter) or '0') end
if counted < staged or tonumber(redis.call('HGET', KEYS[1], 'unknown') or '0') > 0 then return 'cut' end
local state = redis.call('HGET', KEYS[1], 'state')
local completed = state == 'queued' or state == 'running' or state == 'paused'
if completed then redis.call('HSET', KEYS[1], 'state', 'completed') end
redis.call('HSET', KEYS[1], 'finishedAt', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return completed and 'completed' or 'cut'`);

/** Writes batch `batch` of a campaign that is staging; see STAGE_BATCH. Wakes the batch's job if it waits for it. */
export async function stageBatch(ctx: Context, campaignId: string, batch: number, recipients: string, count: number): Promise<'ended' | 'written'> {
  const { keys } = ctx;
  const r = await runScript(ctx.redis, STAGE_BATCH, [keys.batch(campaignId, batch), keys.campaign(campaignId), keys.stagingWaiters(campaignId)], [recipients, String(count), String(batch)]);
  if (r === 'ended') return 'ended';
  // A job that moved itself to delayed before this write is promoted here; one still on its way there promotes itself.
  if (r === 1) await (await ctx.queues.batches.getJob(jobIds.batch(campaignId, batch)))?.promote().catch(() => undefined);
  return 'written';
}

export async function awaitStaged(ctx: Context, campaignId: string, batch: number): Promise<'staged' | 'wait' | 'never'> {
  const { keys } = ctx;
  return runScript(ctx.redis, AWAIT_STAGED, [keys.batch(campaignId, batch), keys.campaign(campaignId), keys.stagingWaiters(campaignId)], [String(batch)]);
}

/**
 * Ends a campaign's staging; `reason` says why when it ends early (see END_STAGING). A campaign this completes
 * gets its campaign.completed event here, as nothing else will send it.
 */
export async function endStaging(ctx: Context, campaignId: string, reason = ''): Promise<'not-staging' | 'done' | 'cut' | 'completed'> {
  const { keys } = ctx;
  const result = await runScript(ctx.redis, END_STAGING, [keys.campaign(campaignId), keys.stagingWaiters(campaignId)], [reason, String(ctx.config.resultRetentionSeconds), String(Date.now())]);
  if (result === 'completed') await emitCompleted(ctx, campaignId);
  // Info, not a warning: whoever ended it (a cancel, a changed file) is told, and the campaign's status says so.
  if (result === 'cut' || result === 'completed') ctx.log.info({ campaignId, reason }, 'staging ended before every batch was written: the campaign is cut to the recipients staged');
  return result;
}
