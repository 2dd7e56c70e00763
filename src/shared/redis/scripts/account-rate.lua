--[[
  An account's rate cap (its maxRate, recipients per second, shared by all workers), as GCRA: the key holds the
  time before which the account's next call may not start; a call that starts moves it on by recipients / maxRate.

  Input:
    KEYS[1] rate        the account's GCRA time
    ARGV[1] now         ms
    ARGV[2] recipients  how many recipients the call sends
    ARGV[3] maxRate     recipients per second

  Output:
    0 when the call may start now (and is charged), else the ms to wait
]]
local now = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat > now then return math.ceil(tat - now) end
local next = now + tonumber(ARGV[2]) * 1000 / tonumber(ARGV[3])
redis.call('SET', KEYS[1], tostring(next), 'PX', math.ceil(next - now) + 60000)
return 0
