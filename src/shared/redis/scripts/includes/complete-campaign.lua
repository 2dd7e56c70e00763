--[[
  The one completion routine: FINISH_BATCH (its last batch counted), COMPLETE_IF_SETTLED (settling done) and
  END_STAGING (staging cut to batches already counted) complete a campaign through completeIfCounted.

  completeIfCounted(campaign, counted, holdUnknown, completableFrom, now, retentionSeconds, webhooks):
    campaign          the campaign hash
    counted           its recipients counted so far
    holdUnknown       keep it open while recipients are `unknown`: automatic settling will tell what became of them
    completableFrom   the states it completes from: the `complete` move's (lifecycle.ts), comma-separated
    now               ms, its finishedAt
    retentionSeconds  how long its results are kept from now
    webhooks          reserve its campaign.completed event
  Once every recipient is counted, a campaign in one of completableFrom is completed, unless holdUnknown and
  recipients are `unknown`; one in another state (cancelled, failed) keeps it. Either way it is finished: its
  finishedAt and its results' retention are set.
  Returns 'open' (recipients not all counted), 'settling' (held for settling), 'completed', or 'finished' (counted,
  in a state it does not complete from); with 'completed' and webhooks, also the event it reserved:
  `seq,sent,failed,unknown,cancelled,notSent`.
]]
--- @include "lifecycle"

local function completeIfCounted(campaign, counted, holdUnknown, completableFrom, now, retentionSeconds, webhooks)
  if counted < tonumber(redis.call('HGET', campaign, 'total')) then return 'open' end
  -- A paused campaign whose last batches were in flight when it was paused has nothing left to hold back.
  local completable = isOneOf(redis.call('HGET', campaign, 'state'), completableFrom)
  if completable and holdUnknown and tonumber(redis.call('HGET', campaign, 'unknown') or '0') > 0 then return 'settling' end
  local event
  if completable then
    redis.call('HSET', campaign, 'state', 'completed')
    if webhooks then
      local c = redis.call('HMGET', campaign, 'sent', 'failed', 'unknown', 'cancelled', 'notSent')
      local seq = redis.call('HINCRBY', campaign, 'webhookSeq', 1)
      event = table.concat({ seq, c[1] or '0', c[2] or '0', c[3] or '0', c[4] or '0', c[5] or '0' }, ',')
    end
  end
  redis.call('HSET', campaign, 'finishedAt', now)
  redis.call('EXPIRE', campaign, retentionSeconds)
  -- Its clicks per minute (FOLLOW_LINK), kept as long: the key is the campaign's own name with `:clicks`.
  redis.call('EXPIRE', campaign .. ':clicks', retentionSeconds)
  return completable and 'completed' or 'finished', event
end
