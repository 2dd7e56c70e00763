--[[
  Records a call in flight for a batch: the last moment before sending, in one atomic step with the checks that
  may refuse it and with the sends counted for the frequency cap.

  Refuses to start a call for a cancelled or failed campaign, while another call is in flight, when outcomes were
  written since the run last looked ('stale': another run is at work, and the call might repeat its sends), past the
  campaign's expireAt ('expired'), or when the batch or campaign record is missing ('gone': Redis lost its data under
  a run that had loaded them). Then, in the same step as recording the call in flight:
  - a number on the suppression list (or, with tenant lists, on its campaign's tenant's own) gets `['x', reason]`
    and leaves the call. A batch whose staging recorded the
    list's version (`sv`) and its recipients found listed then (`sx`, indices) looks up only those and the numbers
    the list's change log shows changed since, unless the log cannot tell (`sv` below its floor) or holds more
    changes than the call has numbers; a batch without `sv` looks up every number
    (src/shared/opt-out/list-version.ts);
  - with a frequency cap, a number that reached it in the period gets `['k']` and leaves the call, unless the campaign
    ignores the cap; the others have this send counted (CallLoop gives the count back when a call ends without
    sending);
  - each number sent to remembers this campaign (for replies) and its send times (for the cap).
  The first call of a campaign still queued makes it running (lifecycle.ts's `firstCall` move).

  Input:
    KEYS[1] batch          the batch hash
    KEYS[2] campaign       the campaign hash
    KEYS[3] campaignRefs   campaign ref -> campaignId, and `#seq`, the last ref given
    ARGV[1] token          the run's token, stored as `ft` with the call
    ARGV[2] now            ms
    ARGV[3] version        the batch version (`v`) the run last saw
    ARGV[4] campaignId
    ARGV[5] options        `suppression,contacts,capCount,capPeriodSeconds,contactTtlSeconds,clockNow,tenantLists`,
                           0 for off (tenantLists: SMS_SUPPRESSION_SCOPE=tenant)
    ARGV[6] prefix         the key prefix (suppression and contact buckets are found by number, and the list's change
                           log and floor by it)
    ARGV[7] startFrom      the states the first call starts the campaign from (the `firstCall` move's), comma-separated
    ARGV[8] account        the gateway account the call goes to, kept with the in-flight record ('' for the default)
    ARGV[9...] pairs of recipient index and number, for the call

  Output:
    {'ok', version, settled here, numbers left in the call}
    'cancelled' | 'failed' | 'done' | 'busy' | 'stale' | 'expired' | 'gone': why no call started
]]
--- @include "number-buckets"
--- @include "frequency-cap"
--- @include "suppression-log"
--- @include "lifecycle"

local state = redis.call('HGET', KEYS[2], 'state')
-- A run that loaded its batch before Redis lost its data (restarted empty) must not record a call in a fresh hash.
if not state or redis.call('HEXISTS', KEYS[1], 'r') == 0 then return 'gone' end
if state == 'cancelled' or state == 'failed' then return state end
if redis.call('HGET', KEYS[1], 'st') == 'done' then return 'done' end
if redis.call('HEXISTS', KEYS[1], 'ft') == 1 then return 'busy' end
if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[3] then return 'stale' end
local now = tonumber(ARGV[2])
local nowSec = math.floor(now / 1000)
local opt = {}
for v in string.gmatch(ARGV[5], '[^,]+') do opt[#opt + 1] = tonumber(v) end
-- Validity: past its campaign's expireAt (judged by the caller's clock, opt[6]) no call starts.
local expireAt = redis.call('HGET', KEYS[2], 'expireAt')
if expireAt and tonumber(expireAt) <= opt[6] then return 'expired' end
local suppression, contacts, capCount, capPeriod, contactTtl = opt[1] == 1, opt[2] == 1, opt[3], opt[4], opt[5]
if capCount > 0 and redis.call('HGET', KEYS[2], 'ignoreFrequencyCap') == '1' then capCount = 0 end
local prefix = ARGV[6]
-- A tenant's own list shares the list's version, change log and count: staging looked both up, and a change to
-- either is logged under the number.
local ownList = tenantListPrefix(prefix, ARGV[4], opt[7] == 1)
local ref
if contacts then
  ref = redis.call('HGET', KEYS[2], 'ref')
  if not ref then
    ref = tostring(redis.call('HINCRBY', KEYS[3], '#seq', 1))
    redis.call('HSET', KEYS[2], 'ref', ref)
    redis.call('HSET', KEYS[3], ref, ARGV[4])
  end
end
-- Which numbers to look up on the suppression list: all (lookAll), or those listed at staging (listedAt, by index)
-- and those changed since (changed, by number).
local lookAll, listedAt, changed = suppression, {}, {}
if suppression then
  local staged = redis.call('HMGET', KEYS[1], 'sv', 'sx')
  local sv = tonumber(staged[1] or '')
  if sv and sv >= tonumber(redis.call('GET', suppressionFloorKey(prefix)) or '0') then
    local log, since = suppressionChangesKey(prefix), '(' .. staged[1]
    local nChanged = redis.call('ZCOUNT', log, since, '+inf')
    -- Reading more changes than the call has numbers would cost more than looking each number up.
    if nChanged <= (#ARGV - 7) / 2 then
      lookAll = false
      for i in string.gmatch(staged[2] or '', '[^,]+') do listedAt[i] = true end
      if nChanged > 0 then
        for _, n in ipairs(redis.call('ZRANGEBYSCORE', log, since, '+inf')) do changed[n] = true end
      end
    end
  end
end
local keep, settled = {}, {}
local nSettled = 0
if not lookAll and next(listedAt) == nil and next(changed) == nil and not contacts and capCount == 0 then
  -- No number to look up, count or remember (the common call): every recipient stays in the call.
  for j = 9, #ARGV, 2 do keep[(j - 7) / 2] = tonumber(ARGV[j]) end
else
  for j = 9, #ARGV, 2 do
    local i, number = ARGV[j], ARGV[j + 1]
    local entry = (lookAll or listedAt[i] or changed[number])
      and (redis.call('HGET', suppressionBucket(prefix, number), number)
        or (ownList and redis.call('HGET', suppressionBucket(ownList, number), number)))
    if entry then
      settled[i] = { 'x', entryHead(entry) }
      nSettled = nSettled + 1
    else
      local ck = contacts and contactBucket(prefix, number)
      local times = {}
      if contacts and capCount > 0 then times = recentSends(redis.call('HGET', ck, number), nowSec, capPeriod) end
      if capCount > 0 and #times >= capCount then
        settled[i] = { 'k' }
        nSettled = nSettled + 1
      else
        keep[#keep + 1] = tonumber(i)
        if contacts then
          times[#times + 1] = tostring(nowSec)
          redis.call('HSET', ck, number, ref .. '|' .. table.concat(times, ','))
          redis.call('EXPIRE', ck, contactTtl)
        end
      end
    end
  end
end
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if nSettled > 0 then
  local stored = redis.call('HGET', KEYS[1], 'o')
  local o = stored and cjson.decode(stored) or {}
  for k, out in pairs(settled) do o[k] = out end
  redis.call('HSET', KEYS[1], 'o', cjson.encode(o))
  v = redis.call('HINCRBY', KEYS[1], 'v', 1)
end
if #keep > 0 then
  -- The in-flight record: a call's indices are mostly one run (a batch's pending recipients), kept as its two ends.
  local run = true
  for j = 2, #keep do
    if keep[j] ~= keep[1] + j - 1 then run = false; break end
  end
  local fly = run and { r = { keep[1], keep[#keep] }, at = now } or { i = keep, at = now }
  if ARGV[8] ~= '' then fly.a = ARGV[8] end
  redis.call('HSET', KEYS[1], 'fly', cjson.encode(fly), 'ft', ARGV[1])
  if isOneOf(state, ARGV[7]) then redis.call('HSET', KEYS[2], 'state', 'running') end
end
return { 'ok', v, nSettled, #keep }
