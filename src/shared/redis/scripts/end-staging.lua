--[[
  Ends a campaign's staging. When recipients were never written, the campaign is cut to those that were (`total`
  becomes the staged recipients, `unstaged` the rest); if all of those are counted already (and none is `unknown`),
  nothing else will complete it, so this does.

  Input:
    KEYS[1] campaign     the campaign hash
    KEYS[2] waiters      the batch indexes whose jobs wait for their batch
    ARGV[1] reason       why staging ended, '' when every batch was written
    ARGV[2] retention    seconds the results are kept once the campaign is complete
    ARGV[3] now          ms

  Output:
    'not-staging', 'done' (nothing cut), 'cut', or 'completed' (cut, and completed here)
]]
--- @include "outcome-counters"

if not redis.call('HGET', KEYS[1], 'staging') then return 'not-staging' end
redis.call('HDEL', KEYS[1], 'staging')
redis.call('DEL', KEYS[2])
local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
local staged = tonumber(redis.call('HGET', KEYS[1], 'staged') or '0')
if staged >= total then return 'done' end
redis.call('HSET', KEYS[1], 'total', staged, 'unstaged', total - staged, 'stagingStop', ARGV[1])
if countedRecipients(KEYS[1]) < staged or tonumber(redis.call('HGET', KEYS[1], 'unknown') or '0') > 0 then return 'cut' end
local state = redis.call('HGET', KEYS[1], 'state')
local completed = state == 'queued' or state == 'running' or state == 'paused'
if completed then redis.call('HSET', KEYS[1], 'state', 'completed') end
redis.call('HSET', KEYS[1], 'finishedAt', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return completed and 'completed' or 'cut'
