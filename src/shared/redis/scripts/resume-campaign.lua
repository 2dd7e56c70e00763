--[[
  Resumes a paused campaign: back to `running` — or to `scheduled` when it was paused before its sendAt and that is
  still ahead (its split job, still delayed, starts it then) — its pause fields cleared, and the ids of the jobs it
  parked returned (and forgotten) for the caller to promote (lifecycle.ts's `resume` and `resumeScheduled` moves,
  which leave the same states).

  Input:
    KEYS[1] campaign     the campaign hash
    KEYS[2] parked       the campaign's parked job ids
    ARGV[1] now          ms
    ARGV[2] resumeFrom   the states a campaign is resumed from (the `resume` move's), comma-separated

  Output:
    the parked job ids (an array, perhaps empty), or the state it was in when it is not one to resume, or 'missing'
]]
--- @include "lifecycle"

local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if not isOneOf(state, ARGV[2]) then return state end
local sendAt = tonumber(redis.call('HGET', KEYS[1], 'sendAt') or '')
local notStarted = redis.call('HEXISTS', KEYS[1], 'startedAt') == 0
redis.call('HSET', KEYS[1], 'state', (notStarted and sendAt and sendAt > tonumber(ARGV[1])) and 'scheduled' or 'running')
redis.call('HDEL', KEYS[1], 'pausedBy', 'pauseReason', 'pausedAt')
local parked = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return parked
