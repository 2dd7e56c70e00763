--[[
  The suppression list's version and how many numbers it holds, read together: what staging reads before it looks
  its batch's numbers up (src/shared/opt-out/list-version.ts). A list never counted (written before the count was
  kept) is counted here once, bucket by bucket, in this one step so that no write slips between.

  Input:
    KEYS[1] version      the list's version
    KEYS[2] count        the numbers listed (set here when absent)
    ARGV[1] prefix       the key prefix (the list's buckets are found by number)

  Output:
    {version, count}
]]
--- @include "number-buckets"

local count = redis.call('GET', KEYS[2])
if not count then
  count = 0
  for b = 0, 9999 do
    count = count + redis.call('HLEN', suppressionBucket(ARGV[1], string.format('%04d', b)))
  end
  -- Kept for next time if Redis takes the write; a full Redis (a preview meanwhile) still gets its answer.
  redis.pcall('SET', KEYS[2], count)
end
return { tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(count) }
