import { lua } from '../redis/lua';
import { LUA_COUNTER_FIELDS, LUA_ZERO_COUNTS } from './outcomes';
import type { CampaignState } from '../types';

/**
 * Lua scripts that keep a batch's record consistent when two runs of one batch job overlap (a stalled job
 * re-run while the first run is still alive). Outcomes are merged first-writer-wins, so a recipient's outcome,
 * once stored, never changes; the in-flight call carries the owning run's token.
 *
 * Batch hash fields: r (recipients), o (JSON {index: StoredOutcome}), fly (JSON {i: [indices], at}) and ft (its
 * run's token) while a call is in flight, v (a version bumped by every outcome write), st ('done' once counted).
 */

/**
 * KEYS: batch, campaign, campaign refs. ARGV: token, now (ms), the version the run last saw, campaignId, options
 * (`suppression,contacts,capCount,capPeriodSeconds,contactTtlSeconds,clockNow`, 0 for off), the key prefix, then pairs of
 * recipient index and number for the call.
 * Refuses to start a call for a cancelled or failed campaign, while another call is in flight, when outcomes
 * were written since the run last looked ('stale': another run is at work, and the call might repeat its sends),
 * past the campaign's expireAt ('expired'), or when the batch or campaign record is missing ('gone': Redis lost its
 * data under a run that had loaded them). Then, in the same atomic step as recording the call in flight — the last moment before sending:
 * - a number on the suppression list gets `['x', reason]` and leaves the call;
 * - with a frequency cap, a number that reached it in the period gets `['k']` and leaves the call, unless the
 *   campaign ignores the cap; the others have this send counted (CallLoop gives the count back when a call ends
 *   without sending);
 * - each number sent to remembers this campaign (for replies) and its send times (for the cap).
 * Suppression and contact hashes are bucketed by the number's last 4 digits (small hashes stay listpacks).
 * Returns {'ok', version, settled here, numbers left in the call}, or the reason it refused.
 */
/** Why BEGIN_CALL refused to start a call. */
export type BeginCallRefusal = 'cancelled' | 'failed' | 'done' | 'busy' | 'stale' | 'expired' | 'gone';
export const BEGIN_CALL = lua<
  [batch: string, campaign: string, campaignRefs: string],
  [token: string, now: string, version: string, campaignId: string, options: string, prefix: string, ...indexNumberPairs: string[]],
  BeginCallRefusal | [ok: 'ok', version: number, settled: number, calling: number]
>(`
local state = redis.call('HGET', KEYS[2], 'state')
-- A run that loaded its batch before Redis lost its data (restarted empty) must not record a call in a fresh hash.
if not state or redis.call('HEXISTS', KEYS[1], 'r') == 0 then return 'gone' end
if state == 'cancelled' or state == 'failed' then return state end
if redis.call('HGET', KEYS[1], 'st') == 'done' then return 'done' end
if redis.call('HEXISTS', KEYS[1], 'ft') == 1 then return 'busy' end
if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[3] then return 'stale' end
local now = tonumber(ARGV[2])
local nowSec = math.floor(now / 1000)
local opt = {}
for v in string.gmatch(ARGV[5], '[^,]+') do opt[#opt + 1] = tonumber(v) end
-- Validity: past its campaign's expireAt (judged by the caller's clock, opt[6]) no call starts.
local expireAt = redis.call('HGET', KEYS[2], 'expireAt')
if expireAt and tonumber(expireAt) <= opt[6] then return 'expired' end
local suppression, contacts, capCount, capPeriod, contactTtl = opt[1] == 1, opt[2] == 1, opt[3], opt[4], opt[5]
if capCount > 0 and redis.call('HGET', KEYS[2], 'ignoreFrequencyCap') == '1' then capCount = 0 end
local prefix = ARGV[6]
local ref
if contacts then
  ref = redis.call('HGET', KEYS[2], 'ref')
  if not ref then
    ref = tostring(redis.call('HINCRBY', KEYS[3], '#seq', 1))
    redis.call('HSET', KEYS[2], 'ref', ref)
    redis.call('HSET', KEYS[3], ref, ARGV[4])
  end
end
local keep, settled = {}, {}
local nSettled = 0
for j = 7, #ARGV, 2 do
  local i, number = ARGV[j], ARGV[j + 1]
  local bucket = string.sub(number, -4)
  local entry = suppression and redis.call('HGET', prefix .. ':supp:' .. bucket, number)
  if entry then
    settled[i] = { 'x', string.match(entry, '^[^|]*') }
    nSettled = nSettled + 1
  else
    local ck = prefix .. ':contact:' .. bucket
    local times = {}
    if contacts and capCount > 0 then
      local c = redis.call('HGET', ck, number)
      if c then
        for t in string.gmatch(string.match(c, '|(.*)$') or '', '[^,]+') do
          if tonumber(t) > nowSec - capPeriod then times[#times + 1] = t end
        end
      end
    end
    if capCount > 0 and #times >= capCount then
      settled[i] = { 'k' }
      nSettled = nSettled + 1
    else
      keep[#keep + 1] = tonumber(i)
      if contacts then
        times[#times + 1] = tostring(nowSec)
        redis.call('HSET', ck, number, ref .. '|' .. table.concat(times, ','))
        redis.call('EXPIRE', ck, contactTtl)
      end
    end
  end
end
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if nSettled > 0 then
  local stored = redis.call('HGET', KEYS[1], 'o')
  local o = stored and cjson.decode(stored) or {}
  for k, out in pairs(settled) do o[k] = out end
  redis.call('HSET', KEYS[1], 'o', cjson.encode(o))
  v = redis.call('HINCRBY', KEYS[1], 'v', 1)
end
if #keep > 0 then
  redis.call('HSET', KEYS[1], 'fly', cjson.encode({ i = keep, at = now }), 'ft', ARGV[1])
  if state == 'queued' then redis.call('HSET', KEYS[2], 'state', 'running') end
end
return { 'ok', v, nSettled, #keep }`);

/**
 * KEYS: any key under the prefix (routing only). ARGV: key prefix, the send time (s) BEGIN_CALL counted, then numbers. Gives back a frequency-cap
 * count for numbers whose call ended without sending (refused, retried, failed): only sends count against the cap.
 */
export const UNCOUNT_SENDS = lua<
  [routing: string],
  [prefix: string, sendTimeSeconds: string, ...numbers: string[]],
  number
>(`
local removed = 0
for j = 3, #ARGV do
  local number = ARGV[j]
  local ck = ARGV[1] .. ':contact:' .. string.sub(number, -4)
  local c = redis.call('HGET', ck, number)
  if c then
    local ref, times = string.match(c, '^([^|]*)|(.*)$')
    local left, dropped = {}, false
    for t in string.gmatch(times or '', '[^,]+') do
      if not dropped and t == ARGV[2] then dropped = true else left[#left + 1] = t end
    end
    if dropped then
      redis.call('HSET', ck, number, ref .. '|' .. table.concat(left, ','))
      removed = removed + 1
    end
  end
end
return removed`);

/**
 * KEYS: batch. ARGV: token, outcomes JSON, how many outcomes it holds. Merges outcomes first-writer-wins.
 * With a token, it ends that call (ours, or a stale one a dead run left) and returns 'lost' if the in-flight
 * record is not that call's any more. Without one ('') it settles recipients no call is about, and refuses
 * ('busy') while any call is in flight. Returns {version, outcomes skipped because one was already stored}.
 */
export const RECORD_OUTCOMES = lua<
  [batch: string],
  [token: string, outcomesJson: string, outcomes: string],
  'lost' | 'busy' | [version: number, skipped: number]
>(`
local ft = redis.call('HGET', KEYS[1], 'ft')
if ARGV[1] ~= '' then
  if ft ~= ARGV[1] then return 'lost' end
elseif ft then
  return 'busy'
end
local skipped = 0
if tonumber(ARGV[3]) > 0 then
  local stored = redis.call('HGET', KEYS[1], 'o')
  if not stored then
    -- The first outcomes of a batch (most batches have only these): stored as given, nothing to merge.
    redis.call('HSET', KEYS[1], 'o', ARGV[2])
  else
    local o = cjson.decode(stored)
    local n = 0
    for k, v in pairs(cjson.decode(ARGV[2])) do
      if o[k] == nil then o[k] = v; n = n + 1 else skipped = skipped + 1 end
    end
    if n > 0 then redis.call('HSET', KEYS[1], 'o', cjson.encode(o)) end
  end
  redis.call('HINCRBY', KEYS[1], 'v', 1)
end
if ARGV[1] ~= '' then redis.call('HDEL', KEYS[1], 'fly', 'ft') end
return { tonumber(redis.call('HGET', KEYS[1], 'v') or '0'), skipped }`);

/**
 * KEYS: batch, campaign, the batch's delivery reports, the campaign's series. ARGV: recipients in the batch,
 * retention seconds, now (ms), samples kept in the series, '1' when automatic settling is on (SMS_AUTO_RECONCILE),
 * '1' when the campaign's events go to a webhook.
 * Counts a settled batch into its campaign exactly once (also failed and unknown outcomes per code, as campaign
 * fields `oc:<f|u>:<code>`) and completes the campaign with its last batch — unless automatic settling is on and
 * recipients are `unknown`: the campaign then stays as it is ('settling') and the settle job completes it
 * (COMPLETE_IF_SETTLED) once none is left. Appends the campaign's new totals to its series (one sample per batch,
 * cumulative, so a lost sample loses no count).
 * Returns 'incomplete' | 'already' | 'counted' | 'settling' | 'completed', followed by `|` and the webhook events it
 * reserved (`seq,at[,completedSeq,sent,failed,unknown,cancelled,notSent]`, kept in the batch hash as `wh`) when
 * there are some: a re-run that finds the batch counted ('already') gets the same ones back, to queue them again.
 */
export type FinishResult = 'incomplete' | 'already' | 'counted' | 'settling' | 'completed';
export const FINISH_BATCH = lua<
  [batch: string, campaign: string, deliveries: string, series: string],
  [recipients: string, retentionSeconds: string, now: string, seriesSamples: string, autoSettle: '1' | '0', webhooks: '1' | ''],
  FinishResult | `${FinishResult}|${string}`
>(`
local function answer(result)
  local wh = redis.call('HGET', KEYS[1], 'wh')
  if wh then return result .. '|' .. wh end
  return result
end
if redis.call('HGET', KEYS[1], 'st') == 'done' then return answer('already') end
local stored = redis.call('HGET', KEYS[1], 'o')
local o = stored and cjson.decode(stored) or {}
local counts = ${LUA_ZERO_COUNTS}
local n = 0
for _, v in pairs(o) do counts[v[1]] = counts[v[1]] + 1; n = n + 1 end
if n < tonumber(ARGV[1]) then return 'incomplete' end
-- For the console: failed and unknown outcomes per code, and the campaign's totals once this batch is in them.
local byCode = {}
for _, v in pairs(o) do
  if v[1] == 'f' or v[1] == 'u' then local c = 'oc:' .. v[1] .. ':' .. v[2]; byCode[c] = (byCode[c] or 0) + 1 end
end
for c, k in pairs(byCode) do redis.call('HINCRBY', KEYS[2], c, k) end
local was = redis.call('HMGET', KEYS[2], 'sent', 'failed', 'unknown')
local sample = { tonumber(was[1] or 0) + counts.s, tonumber(was[2] or 0) + counts.f, tonumber(was[3] or 0) + counts.u }
redis.call('RPUSH', KEYS[4], ARGV[3] .. ',' .. table.concat(sample, ','))
redis.call('LTRIM', KEYS[4], -tonumber(ARGV[4]), -1)
-- Kept while batches go on finishing; whatever completes the campaign, the series goes with the retention.
redis.call('EXPIRE', KEYS[4], ARGV[2])
redis.call('HSET', KEYS[1], 'st', 'done')
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
local field = ${LUA_COUNTER_FIELDS}
local webhooks = ARGV[6] == '1'
if webhooks then redis.call('HSET', KEYS[1], 'wh', redis.call('HINCRBY', KEYS[2], 'webhookSeq', 1) .. ',' .. ARGV[3]) end
local settled = 0
for kind, counter in pairs(field) do
  settled = settled + redis.call('HINCRBY', KEYS[2], counter, counts[kind])
end
redis.call('HINCRBY', KEYS[2], 'batchesDone', 1)
local total = tonumber(redis.call('HGET', KEYS[2], 'total'))
if settled < total then return answer('counted') end
local state = redis.call('HGET', KEYS[2], 'state')
local unknown = tonumber(redis.call('HGET', KEYS[2], 'unknown') or '0')
if unknown > 0 and ARGV[5] == '1' and (state == 'queued' or state == 'running' or state == 'paused') then return answer('settling') end
-- A paused campaign whose last batches were in flight when it was paused has nothing left to hold back.
if state == 'queued' or state == 'running' or state == 'paused' then
  redis.call('HSET', KEYS[2], 'state', 'completed')
  if webhooks then
    local c = redis.call('HMGET', KEYS[2], 'sent', 'failed', 'unknown', 'cancelled', 'notSent')
    local seq = redis.call('HINCRBY', KEYS[2], 'webhookSeq', 1)
    redis.call('HSET', KEYS[1], 'wh', table.concat({ redis.call('HGET', KEYS[1], 'wh'), seq, c[1], c[2], c[3], c[4], c[5] }, ','))
  end
end
redis.call('HSET', KEYS[2], 'finishedAt', ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[4], ARGV[2])
return answer('completed')`);

/** KEYS: campaign. ARGV: allowed states (comma-separated), new state, then field/value pairs to set with it. */
export const TRANSITION = lua<
  [campaign: string],
  [allowedStates: string, to: CampaignState, ...fieldValuePairs: string[]],
  'ok' | 'missing' | CampaignState
>(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
for allowed in string.gmatch(ARGV[1], '[^,]+') do
  if state == allowed then
    redis.call('HSET', KEYS[1], 'state', ARGV[2])
    for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
    return 'ok'
  end
end
return state`);

/**
 * KEYS: batch, campaign. ARGV: outcomes JSON {index: outcome}. The one exception to first-writer-wins: an
 * `unknown` outcome may be replaced once reconcile has the gateway's records (by `sent` or `not-sent`). Other
 * outcomes are left alone. A batch already counted moves its campaign's counters with it. Returns how many
 * outcomes changed.
 */
export const RECONCILE_OUTCOMES = lua<
  [batch: string, campaign: string],
  [outcomesJson: string],
  number
>(`
local stored = redis.call('HGET', KEYS[1], 'o')
if not stored then return 0 end
local o = cjson.decode(stored)
local counted = redis.call('HGET', KEYS[1], 'st') == 'done'
local field = ${LUA_COUNTER_FIELDS}
local changed = 0
for k, v in pairs(cjson.decode(ARGV[1])) do
  local old = o[k]
  if old and old[1] == 'u' and v[1] ~= 'u' then
    o[k] = v
    changed = changed + 1
    if counted then
      redis.call('HINCRBY', KEYS[2], 'unknown', -1)
      redis.call('HINCRBY', KEYS[2], 'oc:u:' .. old[2], -1)
      redis.call('HINCRBY', KEYS[2], field[v[1]], 1)
    end
  end
end
if changed > 0 then
  redis.call('HSET', KEYS[1], 'o', cjson.encode(o))
  redis.call('HINCRBY', KEYS[1], 'v', 1)
  -- The batch's reserved recipients.settled no longer describes it: a re-run must not queue it again.
  redis.call('HDEL', KEYS[1], 'wh')
end
return changed`);

/**
 * KEYS: batch, campaign. ARGV: resend round. For `reconcile --resend`: takes the batch's `not-sent` outcomes
 * away, so that they are pending again, and un-counts the batch (FINISH_BATCH counts it again when its new job
 * ends). A completed campaign is running again. Returns how many recipients are pending again.
 */
export const REOPEN_BATCH = lua<
  [batch: string, campaign: string],
  [round: string],
  number
>(`
if redis.call('HGET', KEYS[1], 'st') ~= 'done' then return 0 end
local o = cjson.decode(redis.call('HGET', KEYS[1], 'o') or '{}')
local counts = ${LUA_ZERO_COUNTS}
local reopened = 0
for k, v in pairs(o) do
  counts[v[1]] = counts[v[1]] + 1
  if v[1] == 'n' then o[k] = nil; reopened = reopened + 1 end
end
if reopened == 0 then return 0 end
local field = ${LUA_COUNTER_FIELDS}
for kind, n in pairs(counts) do
  if n > 0 then redis.call('HINCRBY', KEYS[2], field[kind], -n) end
end
if next(o) == nil then redis.call('HDEL', KEYS[1], 'o') else redis.call('HSET', KEYS[1], 'o', cjson.encode(o)) end
-- Its failed and unknown per code un-counted too: FINISH_BATCH counts the batch whole again.
for _, v in pairs(o) do
  if v[1] == 'f' or v[1] == 'u' then redis.call('HINCRBY', KEYS[2], 'oc:' .. v[1] .. ':' .. v[2], -1) end
end
redis.call('HDEL', KEYS[1], 'st', 'wh')
redis.call('HINCRBY', KEYS[2], 'batchesDone', -1)
redis.call('HINCRBY', KEYS[1], 'v', 1)
if redis.call('HGET', KEYS[2], 'state') == 'completed' then
  redis.call('HSET', KEYS[2], 'state', 'running')
  redis.call('HDEL', KEYS[2], 'finishedAt')
end
redis.call('HSET', KEYS[2], 'resendRound', ARGV[1])
return reopened`);


/**
 * KEYS: campaign. ARGV: retention seconds, now (ms). Completes a campaign kept open for automatic settling once
 * every batch is counted and no recipient is `unknown`. Returns 'completed', 'open' (not yet) or its state.
 */
export type CompleteResult = 'completed' | 'open' | 'missing' | `ended:${CampaignState}`;
export const COMPLETE_IF_SETTLED = lua<[campaign: string], [retentionSeconds: string, now: string], CompleteResult>(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
-- 'ended:<state>', not the state itself: only a completion made here is 'completed' (its caller then tells webhooks).
if state ~= 'queued' and state ~= 'running' and state ~= 'paused' then return 'ended:' .. state end
local counted = 0
for _, counter in pairs(${LUA_COUNTER_FIELDS}) do counted = counted + tonumber(redis.call('HGET', KEYS[1], counter) or '0') end
if counted < tonumber(redis.call('HGET', KEYS[1], 'total')) or tonumber(redis.call('HGET', KEYS[1], 'unknown') or '0') > 0 then return 'open' end
redis.call('HSET', KEYS[1], 'state', 'completed', 'finishedAt', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 'completed'`);
