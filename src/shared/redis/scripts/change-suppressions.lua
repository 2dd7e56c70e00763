--[[
  Adds numbers to the suppression list or takes them off, in one step with the list's version, change log and count
  (includes/suppression-log.lua), so that a batch staged at any moment can tell exactly what changed since.

  Input:
    KEYS[1] version      the list's version
    KEYS[2] changes      the change log
    KEYS[3] floor        the version at or below which the log may miss changes
    KEYS[4] count        the numbers listed
    ARGV[1] prefix       the key prefix (the list's buckets are found by number)
    ARGV[2] op           'add', 'add-new', 'remove' or 'remove-own'
    ARGV[3] bound        the most numbers the change log keeps
    ARGV[4...] add: pairs of number and entry (`reason|source|ms`; an entry already listed is updated);
               add-new: the same, but an entry already listed is kept as it is (a tenant never takes over a STOP
               or another's entry);
               remove: numbers;
               remove-own: a source, then numbers: only entries whose source is that one are taken off

  Output:
    how many numbers were added (not listed before) or removed (listed before)
]]
--- @include "number-buckets"
--- @include "suppression-log"

local prefix, op = ARGV[1], ARGV[2]
local add = op == 'add' or op == 'add-new'
local changed = {}
if add then
  local set = op == 'add' and 'HSET' or 'HSETNX'
  for j = 4, #ARGV, 2 do
    if redis.call(set, suppressionBucket(prefix, ARGV[j]), ARGV[j], ARGV[j + 1]) == 1 then changed[#changed + 1] = ARGV[j] end
  end
elseif op == 'remove-own' then
  local source = ARGV[4]
  for j = 5, #ARGV do
    local bucket = suppressionBucket(prefix, ARGV[j])
    local entry = redis.call('HGET', bucket, ARGV[j])
    -- `reason|source|ms`: the source is between the first two bars.
    local owner = entry and string.match(entry, '^[^|]*|([^|]*)|')
    if owner == source and redis.call('HDEL', bucket, ARGV[j]) == 1 then changed[#changed + 1] = ARGV[j] end
  end
else
  for j = 4, #ARGV do
    if redis.call('HDEL', suppressionBucket(prefix, ARGV[j]), ARGV[j]) == 1 then changed[#changed + 1] = ARGV[j] end
  end
end
noteSuppressionChange(KEYS, changed, add and #changed or -#changed, tonumber(ARGV[3]))
return #changed
