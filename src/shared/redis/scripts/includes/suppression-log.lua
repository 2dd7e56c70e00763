--[[
  The suppression list's version and change log (src/shared/opt-out/list-version.ts): every write that changes who is
  listed bumps the version and logs the numbers it changed, scored by that version; the log keeps its newest `bound`
  numbers, and numbers dropped from it (or a write changing more than `bound`, logged not at all) raise the floor to
  their version: the log cannot tell what changed at or below the floor. The count follows the numbers listed once
  it has been counted (absent, nothing may trust it).
]]

--- A write changed who is listed: `changed` the numbers (none: nothing to note), `delta` the listed numbers' change.
--- `keys` = {version, changes, floor, count}. Returns the new version (or nil when nothing changed).
local function noteSuppressionChange(keys, changed, delta, bound)
  if #changed == 0 then return nil end
  local v
  if redis.call('EXISTS', keys[1]) == 1 then
    v = redis.call('INCR', keys[1])
  else
    -- A list without a version (never written, or its keys deleted) starts from Redis's clock in ms: above any version
    -- a batch may hold from before, which the floor then tells to look every number up. (Lua writes a number with 14
    -- significant digits: ms stay well within them.)
    local t = redis.call('TIME')
    v = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    redis.call('SET', keys[1], v)
    redis.call('SET', keys[3], v)
    redis.call('DEL', keys[2])
  end
  if delta ~= 0 and redis.call('EXISTS', keys[4]) == 1 then redis.call('INCRBY', keys[4], delta) end
  if #changed > bound then
    -- Every number in the log is older than this write: the floor now says all of it.
    redis.call('SET', keys[3], v)
    redis.call('DEL', keys[2])
    return v
  end
  for j = 1, #changed, 500 do
    local args = {}
    for k = j, math.min(j + 499, #changed) do
      args[#args + 1] = v
      args[#args + 1] = changed[k]
    end
    redis.call('ZADD', keys[2], unpack(args))
  end
  local excess = redis.call('ZCARD', keys[2]) - bound
  if excess > 0 then
    local last = redis.call('ZRANGE', keys[2], excess - 1, excess - 1, 'WITHSCORES')
    redis.call('ZREMRANGEBYRANK', keys[2], 0, excess - 1)
    if tonumber(last[2]) > tonumber(redis.call('GET', keys[3]) or '0') then redis.call('SET', keys[3], last[2]) end
  end
  return v
end

--- For scripts that find the list by the prefix alone (BEGIN_CALL), as src/shared/redis/keys.ts names these keys.
local function suppressionChangesKey(prefix) return prefix .. ':supp:changes' end

local function suppressionFloorKey(prefix) return prefix .. ':supp:floor' end
