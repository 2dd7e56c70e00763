--[[
  Counts a transient failure of a gateway account (its circuit breaker): failures in a row across all workers. At
  the threshold the breaker opens: routing goes around the account until `openUntil`, then lets one probe call
  through (see account-probe.lua). A success clears the count (the caller deletes the fields).

  Input:
    KEYS[1] state       the account's state hash (fails, openUntil, probeUntil, stop)
    ARGV[1] now         ms
    ARGV[2] threshold   failures in a row that open the breaker
    ARGV[3] openMs      how long it stays open

  Output:
    {failures, openUntil}: openUntil is 0 while the breaker is closed
]]
local fails = redis.call('HINCRBY', KEYS[1], 'fails', 1)
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
local now = tonumber(ARGV[1])
if fails >= tonumber(ARGV[2]) and openUntil <= now then
  openUntil = now + tonumber(ARGV[3])
  redis.call('HSET', KEYS[1], 'openUntil', tostring(openUntil))
  redis.call('HDEL', KEYS[1], 'probeUntil')
end
return {fails, tostring(openUntil)}
