--[[
  Counts a settled batch into its campaign exactly once (also its failed and unknown outcomes per code, as campaign
  fields `oc:<f|u>:<code>`), and completes the campaign with its last batch (includes/complete-campaign.lua) — unless
  automatic settling is on and recipients are `unknown`: the campaign then stays as it is ('settling') and the settle
  job completes it (COMPLETE_IF_SETTLED) once none is left. Appends the campaign's new totals to its series (one sample per batch,
  cumulative, so a lost sample loses no count).
  The webhook events it reserves (`seq,at[,completedSeq,sent,failed,unknown,cancelled,notSent]`) are kept in the
  batch hash as `wh`: a re-run that finds the batch counted ('already') gets the same ones back, to queue them again.

  Input:
    KEYS[1] batch          the batch hash
    KEYS[2] campaign       the campaign hash
    KEYS[3] deliveries     the batch's delivery reports
    KEYS[4] series         the campaign's series (a list of `at,sent,failed,unknown` samples)
    ARGV[1] recipients     how many recipients the batch has
    ARGV[2] retention      seconds the results are kept once counted
    ARGV[3] now            ms
    ARGV[4] seriesSamples  samples the series keeps
    ARGV[5] autoSettle     '1' when automatic settling is on (SMS_AUTO_RECONCILE)
    ARGV[6] webhooks       '1' when the campaign's events go to a webhook
    ARGV[7] completeFrom   the states the campaign completes from (lifecycle.ts's `complete` move), comma-separated

  Output:
    'incomplete' (a recipient has no outcome yet: nothing counted), 'already' (counted before), 'counted',
    'settling' (last batch, kept open for settling) or 'completed' (last batch), followed by `|` and the reserved
    webhook events when there are some
]]
--- @include "outcome-counters"
--- @include "complete-campaign"

local function answer(result)
  local wh = redis.call('HGET', KEYS[1], 'wh')
  if wh then return result .. '|' .. wh end
  return result
end
if redis.call('HGET', KEYS[1], 'st') == 'done' then return answer('already') end
local stored = redis.call('HGET', KEYS[1], 'o')
local o = stored and cjson.decode(stored) or {}
local counts, n = countOutcomes(o)
if n < tonumber(ARGV[1]) then return 'incomplete' end
-- For the console: failed and unknown outcomes per code, and the campaign's totals once this batch is in them.
countOutcomeCodes(KEYS[2], o, 1)
local was = redis.call('HMGET', KEYS[2], 'sent', 'failed', 'unknown')
local sample = { tonumber(was[1] or 0) + counts.s, tonumber(was[2] or 0) + counts.f, tonumber(was[3] or 0) + counts.u }
redis.call('RPUSH', KEYS[4], ARGV[3] .. ',' .. table.concat(sample, ','))
redis.call('LTRIM', KEYS[4], -tonumber(ARGV[4]), -1)
-- Kept while batches go on finishing; whatever completes the campaign, the series goes with the retention.
redis.call('EXPIRE', KEYS[4], ARGV[2])
redis.call('HSET', KEYS[1], 'st', 'done')
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
local webhooks = ARGV[6] == '1'
if webhooks then redis.call('HSET', KEYS[1], 'wh', redis.call('HINCRBY', KEYS[2], 'webhookSeq', 1) .. ',' .. ARGV[3]) end
local settled = 0
for kind, counter in pairs(OUTCOME_COUNTERS) do
  settled = settled + redis.call('HINCRBY', KEYS[2], counter, counts[kind])
end
redis.call('HINCRBY', KEYS[2], 'batchesDone', 1)
local result, completed = completeIfCounted(KEYS[2], settled, ARGV[5] == '1', ARGV[7], ARGV[3], ARGV[2], webhooks)
if result == 'open' then return answer('counted') end
if result == 'settling' then return answer('settling') end
if completed then redis.call('HSET', KEYS[1], 'wh', redis.call('HGET', KEYS[1], 'wh') .. ',' .. completed) end
-- Kept with the campaign's own record.
redis.call('EXPIRE', KEYS[4], ARGV[2])
return answer('completed')
