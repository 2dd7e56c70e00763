--[[
  Gives back a frequency-cap count for numbers whose call ended without sending (refused, retried, failed): only
  sends count against the cap. Removes the one send time BEGIN_CALL added for each number.

  Input:
    KEYS[1] routing      any key under the prefix: it only routes the call to the prefix's node on a Redis Cluster
    ARGV[1] prefix       the key prefix
    ARGV[2] sendTime     the send time (s) BEGIN_CALL counted
    ARGV[3...] numbers

  Output:
    how many numbers had the count given back
]]
--- @include "number-buckets"

local removed = 0
for j = 3, #ARGV do
  local number = ARGV[j]
  local ck = contactBucket(ARGV[1], number)
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
return removed
