--[[
  Moves a campaign to a new state if it is in one of the allowed ones, with fields set in the same step: atomic, so
  that a cancel and a content failure (or a completion) cannot both win.

  Input:
    KEYS[1] campaign     the campaign hash
    ARGV[1] from         the states it may leave (a lifecycle.ts move's), comma-separated
    ARGV[2] to           the new state
    ARGV[3...] field/value pairs to set with it

  Output:
    'ok' (moved), 'missing' (no such campaign), or the state it is in (not one of ARGV[1]: nothing changed)
]]
--- @include "lifecycle"

local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if not isOneOf(state, ARGV[1]) then return state end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 'ok'
