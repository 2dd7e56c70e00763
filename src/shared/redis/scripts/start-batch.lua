--[[
  The gate a batch passes before it sends. A batch of a paused campaign is parked (its job id noted for resume to
  promote); a batch of a campaign still scheduled, before its sendAt, waits for it. Rate caps are GCRA: each key
  holds the time before which the next batch may not start; a batch that starts moves it on by its cost
  (recipients / maxRate, or one call / sender rate). Both caps are checked before either is charged, so a batch held
  by one cap does not use up the other. Also records the first and last batch start.

  Input:
    KEYS[1] campaign       the campaign hash
    KEYS[2] parked         the campaign's parked job ids
    KEYS[3] campaignRate   the campaign's rate cap (GCRA time)
    KEYS[4] senderRate     the sender id's rate cap (GCRA time)
    ARGV[1] now            ms
    ARGV[2] recipients     how many recipients the batch will send
    ARGV[3] senderRate     sender calls per second, 0 for none
    ARGV[4] jobId          the batch job's id, parked when the campaign is paused

  Output:
    {'go', state}, {'wait', ms}, {'paused'} (parked), or {'missing'} (no such campaign)
]]
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing'} end
if state == 'paused' then
  redis.call('SADD', KEYS[2], ARGV[4])
  return {'paused'}
end
local now = tonumber(ARGV[1])
-- smsq releases no batch before its campaign's sendAt; one that starts earlier was added from outside smsq.
if state == 'scheduled' then
  local sendAt = tonumber(redis.call('HGET', KEYS[1], 'sendAt') or '')
  if sendAt and sendAt > now then return {'wait', tostring(math.ceil(sendAt - now))} end
end
if state == 'queued' or state == 'running' then
  local maxRate = tonumber(redis.call('HGET', KEYS[1], 'maxRate') or '0')
  local senderRate = tonumber(ARGV[3])
  local ctat = maxRate > 0 and tonumber(redis.call('GET', KEYS[3]) or '0') or 0
  local stat = senderRate > 0 and tonumber(redis.call('GET', KEYS[4]) or '0') or 0
  local wait = math.max(ctat - now, stat - now, 0)
  if wait > 0 then return {'wait', tostring(math.ceil(wait))} end
  if maxRate > 0 then
    local tat = now + tonumber(ARGV[2]) * 1000 / maxRate
    redis.call('SET', KEYS[3], tostring(tat), 'PX', math.ceil(tat - now) + 60000)
  end
  if senderRate > 0 then
    local tat = now + 1000 / senderRate
    redis.call('SET', KEYS[4], tostring(tat), 'PX', math.ceil(tat - now) + 60000)
  end
  redis.call('HSETNX', KEYS[1], 'firstBatchAt', ARGV[1])
  redis.call('HSET', KEYS[1], 'lastBatchAt', ARGV[1])
end
return {'go', state}
