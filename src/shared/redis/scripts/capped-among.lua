--[[
  Of these numbers, the ones the frequency cap would refuse now (the rule BEGIN_CALL applies at each call, shared
  through the frequency-cap include): one script call for a batch of numbers.

  Input:
    KEYS[1] routing      any key under the prefix: on a Redis Cluster a script without one may run on any node
    ARGV[1] prefix       the key prefix (contact history buckets are found by number)
    ARGV[2] nowSec       now, s
    ARGV[3] capCount     SMS_FREQUENCY_CAP's messages
    ARGV[4] capPeriod    SMS_FREQUENCY_CAP's period, s
    ARGV[5...] numbers

  Output:
    the numbers that reached the cap
]]
--- @include "number-buckets"
--- @include "frequency-cap"

local nowSec, capCount, capPeriod = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local found = {}
for j = 5, #ARGV do
  local n = ARGV[j]
  if #recentSends(redis.call('HGET', contactBucket(ARGV[1], n), n), nowSec, capPeriod) >= capCount then found[#found + 1] = n end
end
return found
