--[[
  Completes a campaign kept open for automatic settling once every batch is counted and no recipient is `unknown`
  (includes/complete-campaign.lua), reserving its campaign.completed event when its events go to a webhook.

  Input:
    KEYS[1] campaign       the campaign hash
    ARGV[1] retention      seconds the results are kept once the campaign is complete
    ARGV[2] now            ms
    ARGV[3] completeFrom   the states the campaign completes from (lifecycle.ts's `complete` move), comma-separated
    ARGV[4] webhooks       '1' when the campaign's events go to a webhook

  Output:
    'completed' (completed here), followed by `|seq,sent,failed,unknown,cancelled,notSent` when it reserved the
    campaign.completed event; 'open' (not yet); 'missing' (no such campaign); or 'ended:<state>' for a campaign in a
    state it does not complete from
]]
--- @include "outcome-counters"
--- @include "complete-campaign"

local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
-- 'ended:<state>', not the state itself: only a completion made here is 'completed' (its caller then tells webhooks).
if not isOneOf(state, ARGV[3]) then return 'ended:' .. state end
local result, completed = completeIfCounted(KEYS[1], countedRecipients(KEYS[1]), true, ARGV[3], ARGV[2], ARGV[1], ARGV[4] == '1')
if result ~= 'completed' then return 'open' end
if completed then return 'completed|' .. completed end
return 'completed'
