--[[
  Completes a campaign kept open for automatic settling once every batch is counted and no recipient is `unknown`.

  Input:
    KEYS[1] campaign     the campaign hash
    ARGV[1] retention    seconds the results are kept once the campaign is complete
    ARGV[2] now          ms

  Output:
    'completed' (completed here: its caller then tells webhooks), 'open' (not yet), 'missing' (no such campaign),
    or 'ended:<state>' for a campaign in a state it does not complete from
]]
--- @include "outcome-counters"

local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
-- 'ended:<state>', not the state itself: only a completion made here is 'completed' (its caller then tells webhooks).
if state ~= 'queued' and state ~= 'running' and state ~= 'paused' then return 'ended:' .. state end
if countedRecipients(KEYS[1]) < tonumber(redis.call('HGET', KEYS[1], 'total')) or tonumber(redis.call('HGET', KEYS[1], 'unknown') or '0') > 0 then return 'open' end
redis.call('HSET', KEYS[1], 'state', 'completed', 'finishedAt', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 'completed'
