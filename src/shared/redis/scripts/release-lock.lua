--[[
  Releases a lock taken with `SET key token PX ms NX`, only if it is still this holder's: a holder may outlive its
  lock (a long pause) and another process take it.

  Input:
    KEYS[1] lock         the lock's key
    ARGV[1] token        the holder's token

  Output:
    1 when it was this holder's (deleted), 0 when not
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
