--[[
  The one exception to first-writer-wins: an `unknown` outcome may be replaced once reconcile has the gateway's
  records (by `sent` or `not-sent`). Other outcomes are left alone. A batch already counted moves its campaign's
  counters with it, and its reserved recipients.settled event is dropped: it no longer describes the batch.

  Input:
    KEYS[1] batch        the batch hash
    KEYS[2] campaign     the campaign hash
    ARGV[1] outcomes     JSON {index: outcome}

  Output:
    how many outcomes changed
]]
--- @include "outcome-counters"

local stored = redis.call('HGET', KEYS[1], 'o')
if not stored then return 0 end
local o = cjson.decode(stored)
local counted = redis.call('HGET', KEYS[1], 'st') == 'done'
local changed = 0
for k, v in pairs(cjson.decode(ARGV[1])) do
  local old = o[k]
  if old and old[1] == 'u' and v[1] ~= 'u' then
    o[k] = v
    changed = changed + 1
    if counted then
      redis.call('HINCRBY', KEYS[2], 'unknown', -1)
      redis.call('HINCRBY', KEYS[2], 'oc:u:' .. old[2], -1)
      redis.call('HINCRBY', KEYS[2], OUTCOME_COUNTERS[v[1]], 1)
    end
  end
end
if changed > 0 then
  redis.call('HSET', KEYS[1], 'o', cjson.encode(o))
  redis.call('HINCRBY', KEYS[1], 'v', 1)
  -- The batch's reserved recipients.settled no longer describes it: a re-run must not queue it again.
  redis.call('HDEL', KEYS[1], 'wh')
end
return changed
