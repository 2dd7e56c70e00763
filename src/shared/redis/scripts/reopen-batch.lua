--[[
  For `reconcile --resend`: takes a counted batch's `not-sent` outcomes away, so that they are pending again, and
  un-counts the batch (FINISH_BATCH counts it again when its new job ends). A completed campaign is running again
  (lifecycle.ts's `reopen` move).

  Input:
    KEYS[1] batch        the batch hash
    KEYS[2] campaign     the campaign hash
    ARGV[1] round        the resend round, noted on the campaign
    ARGV[2] reopenFrom   the states the campaign runs again from (the `reopen` move's), comma-separated

  Output:
    how many recipients are pending again (0: the batch is not counted, or has no not-sent recipient)
]]
--- @include "outcome-counters"
--- @include "lifecycle"

if redis.call('HGET', KEYS[1], 'st') ~= 'done' then return 0 end
local o = cjson.decode(redis.call('HGET', KEYS[1], 'o') or '{}')
local counts = countOutcomes(o)
local reopened = 0
for k, v in pairs(o) do
  if v[1] == 'n' then o[k] = nil; reopened = reopened + 1 end
end
if reopened == 0 then return 0 end
for kind, n in pairs(counts) do
  if n > 0 then redis.call('HINCRBY', KEYS[2], OUTCOME_COUNTERS[kind], -n) end
end
if next(o) == nil then redis.call('HDEL', KEYS[1], 'o') else redis.call('HSET', KEYS[1], 'o', cjson.encode(o)) end
-- Its failed and unknown per code un-counted too: FINISH_BATCH counts the batch whole again.
countOutcomeCodes(KEYS[2], o, -1)
redis.call('HDEL', KEYS[1], 'st', 'wh')
redis.call('HINCRBY', KEYS[2], 'batchesDone', -1)
redis.call('HINCRBY', KEYS[1], 'v', 1)
if isOneOf(redis.call('HGET', KEYS[2], 'state'), ARGV[2]) then
  redis.call('HSET', KEYS[2], 'state', 'running')
  redis.call('HDEL', KEYS[2], 'finishedAt')
end
redis.call('HSET', KEYS[2], 'resendRound', ARGV[1])
return reopened
