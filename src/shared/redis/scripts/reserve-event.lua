--[[
  Reserves a campaign's next webhook seq, if an event of it goes anywhere: to its callbackUrl, else to its owner's
  URL (WEBHOOK_URL for an admin's campaign, the tenant's webhook URL for a tenant's: webhooks/owner-webhook.ts).

  Input:
    KEYS[1] campaign     the campaign hash
    ARGV[1] ownerUrl     the owner's URL, or ''

  Output:
    {seq, createdAt, url}, or nil for a campaign that is gone or has no target
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local url = redis.call('HGET', KEYS[1], 'callbackUrl')
if not url or url == '' then url = ARGV[1] end
if url == '' then return false end
local seq = redis.call('HINCRBY', KEYS[1], 'webhookSeq', 1)
return { seq, redis.call('HGET', KEYS[1], 'createdAt') or '0', url }
