--[[
  Of these numbers, the ones on the suppression list: one script call for the lot (a pipeline of a command per
  number costs the producer far more memory and CPU for a million).

  Input:
    KEYS[1] routing      any key under the prefix: on a Redis Cluster a script without one may run on any node
    ARGV[1] prefix       the key prefix of the list: `<prefix>`, or a tenant's own `<prefix>:t:<tenant>`
    ARGV[2...] numbers

  Output:
    the numbers on the list
]]
--- @include "number-buckets"

local found = {}
for j = 2, #ARGV do
  local n = ARGV[j]
  if redis.call('HEXISTS', suppressionBucket(ARGV[1], n), n) == 1 then found[#found + 1] = n end
end
return found
