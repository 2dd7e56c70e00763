--[[
  Adds numbers to the suppression list or takes them off, in one step with the list's version, change log and count
  (includes/suppression-log.lua), so that a batch staged at any moment can tell exactly what changed since.

  Input:
    KEYS[1] version      the list's version
    KEYS[2] changes      the change log
    KEYS[3] floor        the version at or below which the log may miss changes
    KEYS[4] count        the numbers listed
    ARGV[1] prefix       the key prefix (the list's buckets are found by number)
    ARGV[2] op           'add' or 'remove'
    ARGV[3] bound        the most numbers the change log keeps
    ARGV[4...] add: pairs of number and entry (`reason|source|ms`; an entry already listed is updated);
               remove: numbers

  Output:
    how many numbers were added (not listed before) or removed (listed before)
]]
--- @include "number-buckets"
--- @include "suppression-log"

local prefix, add = ARGV[1], ARGV[2] == 'add'
local changed = {}
if add then
  for j = 4, #ARGV, 2 do
    if redis.call('HSET', suppressionBucket(prefix, ARGV[j]), ARGV[j], ARGV[j + 1]) == 1 then changed[#changed + 1] = ARGV[j] end
  end
else
  for j = 4, #ARGV do
    if redis.call('HDEL', suppressionBucket(prefix, ARGV[j]), ARGV[j]) == 1 then changed[#changed + 1] = ARGV[j] end
  end
end
noteSuppressionChange(KEYS, changed, add and #changed or -#changed, tonumber(ARGV[3]))
return #changed
