--[[
  Follows a tracked link: its URL, and the visit counted. A click counts on its recipient (clicks, first click time),
  on the campaign (`clicks`, and `clickers` at a recipient's first) and in the campaign's clicks per minute; a robot's
  or a HEAD request's visit counts only in the campaign's `linkPreviews`. A link whose campaign has expired is gone.
  With webhooks (flag `w`), a click is queued for a `link.clicked` event; past maxQueued the oldest are dropped (more
  than one when a server gave clicks back to the head of the list).

  Input:
    KEYS[1] current      the current generation's bucket of the code
    KEYS[2] previous     the previous generation's bucket of the code
    KEYS[3] events       the list of clicks waiting for their webhook event
    ARGV[1] prefix       the key prefix (the campaign's keys are built from it and the stored campaign id)
    ARGV[2] code
    ARGV[3] kind         'click', 'robot' or 'head'
    ARGV[4] now          ms
    ARGV[5] retention    ms a click record is kept while its batch or campaign has no expiry yet
    ARGV[6] maxQueued    clicks the events list may hold

  Output:
    false when the code is unknown or its campaign gone; else { url, 1 if this was its recipient's first click else 0,
    the queued clicks dropped to make room }
]]
local value = redis.call('HGET', KEYS[1], ARGV[2]) or redis.call('HGET', KEYS[2], ARGV[2])
if not value then return false end
local id, batch, index, flags, url = string.match(value, '^([^\t]*)\t(%d+)\t(%d+)\t([^\t]*)\t(.*)$')
if not id then return false end
local campaign = ARGV[1] .. ':campaign:' .. id
if redis.call('EXISTS', campaign) == 0 then return false end
if ARGV[3] ~= 'click' then
  redis.call('HINCRBY', campaign, 'linkPreviews', 1)
  return { url, 0, 0 }
end
local now = ARGV[4]
local batchKey = campaign .. ':batch:' .. batch
local clicks = batchKey .. ':clk'
local old = redis.call('HGET', clicks, index)
local first = 1
if old then
  local n, at = string.match(old, '^(%d+),(%d+)$')
  if n then
    redis.call('HSET', clicks, index, (tonumber(n) + 1) .. ',' .. at)
    first = 0
  end
end
if first == 1 then
  redis.call('HSET', clicks, index, '1,' .. now)
  redis.call('HINCRBY', campaign, 'clickers', 1)
end
redis.call('HINCRBY', campaign, 'clicks', 1)
-- As long as the batch's own record: its expiry once it is counted (which sets this key's too), the retention before.
local ttl = redis.call('PTTL', batchKey)
redis.call('PEXPIRE', clicks, ttl > 0 and ttl or ARGV[5])
local perMinute = campaign .. ':clicks'
local minute = tostring(math.floor(tonumber(now) / 60000))
redis.call('HINCRBY', perMinute, minute, 1)
if first == 1 then redis.call('HINCRBY', perMinute, minute .. 'f', 1) end
local cttl = redis.call('PTTL', campaign)
redis.call('PEXPIRE', perMinute, cttl > 0 and cttl or ARGV[5])
local dropped = 0
if string.find(flags, 'w', 1, true) then
  local n = redis.call('RPUSH', KEYS[3], id .. '\t' .. batch .. '\t' .. index .. '\t' .. now .. '\t' .. first .. '\t' .. url)
  local max = tonumber(ARGV[6])
  if n > max then
    redis.call('LTRIM', KEYS[3], n - max, -1)
    dropped = n - max
  end
end
return { url, first, dropped }
