--[[
  Ends a campaign's staging. When recipients were never written, the campaign is cut to those that were (`total`
  becomes the staged recipients, `unstaged` the rest); if all of those are counted already (and none is `unknown`),
  nothing else will complete it, so this does (includes/complete-campaign.lua), reserving its campaign.completed
  event when its events go to a webhook.

  Input:
    KEYS[1] campaign     the campaign hash
    KEYS[2] waiters      the batch indexes whose jobs wait for their batch
    ARGV[1] reason       why staging ended, '' when every batch was written
    ARGV[2] retention    seconds the results are kept once the campaign is complete
    ARGV[3] now          ms
    ARGV[4] completeFrom the states the campaign completes from (lifecycle.ts's `complete` move), comma-separated
    ARGV[5] webhooks     '1' when the campaign's events go to a webhook

  Output:
    'not-staging', 'done' (nothing cut), 'cut', or 'completed' (cut, and completed here), followed by
    `|seq,sent,failed,unknown,cancelled,notSent` when it reserved the campaign.completed event
]]
--- @include "outcome-counters"
--- @include "complete-campaign"

if not redis.call('HGET', KEYS[1], 'staging') then return 'not-staging' end
redis.call('HDEL', KEYS[1], 'staging')
redis.call('DEL', KEYS[2])
local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
local staged = tonumber(redis.call('HGET', KEYS[1], 'staged') or '0')
if staged >= total then return 'done' end
redis.call('HSET', KEYS[1], 'total', staged, 'unstaged', total - staged, 'stagingStop', ARGV[1])
local result, completed = completeIfCounted(KEYS[1], countedRecipients(KEYS[1]), true, ARGV[4], ARGV[3], ARGV[2], ARGV[5] == '1')
if result ~= 'completed' then return 'cut' end
if completed then return 'completed|' .. completed end
return 'completed'
