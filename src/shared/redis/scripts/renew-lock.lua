--[[
  Extends a lock taken with `SET key token PX ms NX`, only if it is still this holder's.

  Input:
    KEYS[1] lock         the lock's key
    ARGV[1] token        the holder's token
    ARGV[2] ms           its new time to live

  Output:
    1 when it was this holder's (extended), 0 when not
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
