--[[
  Takes the probe of an account whose breaker is open and whose open time has passed: one call at a time may try
  the account again; the others keep routing around it until the probe's answer closes the breaker (a success
  deletes the fields) or opens it again (account-failure.lua).

  Input:
    KEYS[1] state       the account's state hash
    ARGV[1] now         ms
    ARGV[2] holdMs      how long a probe holds the account for itself (a probe whose worker died frees it after this)

  Output:
    1 when this caller may send the probe, else 0
]]
local now = tonumber(ARGV[1])
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if openUntil == 0 then return 1 end
if openUntil > now then return 0 end
local probeUntil = tonumber(redis.call('HGET', KEYS[1], 'probeUntil') or '0')
if probeUntil > now then return 0 end
redis.call('HSET', KEYS[1], 'probeUntil', tostring(now + tonumber(ARGV[2])))
return 1
