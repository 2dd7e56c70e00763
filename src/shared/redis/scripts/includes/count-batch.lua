--[[
  The one routine that counts a settled batch into its campaign, exactly once (FINISH_BATCH, and END_CALL when a
  call settles a batch's last recipients): its outcomes per letter, its failed and unknown outcomes per code (as
  campaign fields `oc:<f|u>:<code>`), the campaign's new totals appended to its series (one sample per batch,
  cumulative, so a lost sample loses no count), and the campaign completed with its last batch
  (includes/complete-campaign.lua) — unless automatic settling is on and recipients are `unknown`: the campaign then
  stays as it is ('settling') and the settle job completes it (COMPLETE_IF_SETTLED) once none is left.
  The webhook events it reserves (`seq,at[,completedSeq,sent,failed,unknown,cancelled,notSent]`) are kept in the
  batch hash as `wh`: a re-run that finds the batch counted ('already') gets the same ones back, to queue them again.

  countBatch(k, a, o, tally):
    k.batch, k.campaign, k.deliveries, k.series   the batch hash, its campaign's hash, its delivery reports, the
                                                  campaign's series (a list of `at,sent,failed,unknown` samples)
    a.recipients      how many recipients the batch has
    a.retention       seconds the results are kept once counted
    a.now             ms
    a.seriesSamples   samples the series keeps
    a.autoSettle      true when automatic settling is on (SMS_AUTO_SETTLE)
    a.webhooks        true when the campaign's events go to a webhook
    a.completeFrom    the states the campaign completes from (lifecycle.ts's `complete` move), comma-separated
    o                 the batch's outcomes as a table when the caller has them decoded already; nil: read here
    tally             instead of o, when the caller knows the outcomes the batch holds without decoding them (all
                      stored by one END_CALL): {counts = per letter, n = their sum, codes = per `oc:` field}, as
                      talliedOutcomes gives them
  Returns 'incomplete' (a recipient has no outcome yet: nothing counted), 'already' (counted before), 'counted',
  'settling' (last batch, kept open for settling) or 'completed' (last batch), followed by `|` and the reserved
  webhook events when there are some.
]]
--- @include "outcome-counters"
--- @include "complete-campaign"

local function countBatch(k, a, o, tally)
  local function answer(result)
    local wh = redis.call('HGET', k.batch, 'wh')
    if wh then return result .. '|' .. wh end
    return result
  end
  if redis.call('HGET', k.batch, 'st') == 'done' then return answer('already') end
  local counts, n
  if tally then
    counts, n = tally.counts, tally.n
  else
    if not o then
      local stored = redis.call('HGET', k.batch, 'o')
      o = stored and cjson.decode(stored) or {}
    end
    counts, n = countOutcomes(o)
  end
  if n < a.recipients then return 'incomplete' end
  -- For the console: failed and unknown outcomes per code, and the campaign's totals once this batch is in them.
  addOutcomeCodes(k.campaign, tally and tally.codes or outcomeCodes(o), 1)
  local was = redis.call('HMGET', k.campaign, 'sent', 'failed', 'unknown')
  local sample = { tonumber(was[1] or 0) + counts.s, tonumber(was[2] or 0) + counts.f, tonumber(was[3] or 0) + counts.u }
  redis.call('RPUSH', k.series, a.now .. ',' .. table.concat(sample, ','))
  redis.call('LTRIM', k.series, -a.seriesSamples, -1)
  -- Kept while batches go on finishing; whatever completes the campaign, the series goes with the retention.
  redis.call('EXPIRE', k.series, a.retention)
  redis.call('HSET', k.batch, 'st', 'done')
  redis.call('EXPIRE', k.batch, a.retention)
  redis.call('EXPIRE', k.deliveries, a.retention)
  -- Its recipients' clicks (FOLLOW_LINK), kept as long: the key is the batch's own name with `:clk`.
  redis.call('EXPIRE', k.batch .. ':clk', a.retention)
  -- Its call log (END_CALL), likewise.
  redis.call('EXPIRE', k.batch .. ':calls', a.retention)
  if a.webhooks then redis.call('HSET', k.batch, 'wh', redis.call('HINCRBY', k.campaign, 'webhookSeq', 1) .. ',' .. a.now) end
  local settled = 0
  for kind, counter in pairs(OUTCOME_COUNTERS) do
    settled = settled + redis.call('HINCRBY', k.campaign, counter, counts[kind])
  end
  redis.call('HINCRBY', k.campaign, 'batchesDone', 1)
  local result, completed = completeIfCounted(k.campaign, settled, a.autoSettle, a.completeFrom, a.now, a.retention, a.webhooks)
  if result == 'open' then return answer('counted') end
  if result == 'settling' then return answer('settling') end
  if completed then redis.call('HSET', k.batch, 'wh', redis.call('HGET', k.batch, 'wh') .. ',' .. completed) end
  -- Kept with the campaign's own record.
  redis.call('EXPIRE', k.series, a.retention)
  return answer('completed')
end
