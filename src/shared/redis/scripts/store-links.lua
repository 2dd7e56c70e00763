--[[
  Stores the tracked links of one call before it is made: each code → its recipient and URL, unless the code is
  taken already (in this generation or the one before, where a lookup also looks), which the caller then draws again.

  Input:
    KEYS[2j-1] current    the current generation's bucket of code j
    KEYS[2j]   previous   the previous generation's bucket of code j
    ARGV[1]    expireAt   ms: when the current generation's buckets expire (the end of the next generation)
    ARGV[2j]   code j
    ARGV[2j+1] value j    `<campaignId>\t<batch>\t<index>\t<flags>\t<url>`

  Output:
    the positions j of codes that were taken (an empty table when every code was stored)
]]
local taken = {}
local expiring = {}
for j = 1, (#ARGV - 1) / 2 do
  local current, previous = KEYS[2 * j - 1], KEYS[2 * j]
  local code = ARGV[2 * j]
  if redis.call('HEXISTS', previous, code) == 1 or redis.call('HSETNX', current, code, ARGV[2 * j + 1]) == 0 then
    taken[#taken + 1] = j
  elseif not expiring[current] then
    expiring[current] = true
    redis.call('PEXPIREAT', current, ARGV[1])
  end
end
return taken
