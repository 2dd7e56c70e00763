--[[
  The suppression list and the contact history are hashes bucketed by a number's last 4 digits (small hashes stay
  listpacks), as src/shared/redis/keys.ts names them: `<prefix>:supp:<bucket>` and `<prefix>:contact:<bucket>`.
  An entry's value starts with its head (a suppression's reason, a contact's campaign ref) up to the first `|`.
  With SMS_SUPPRESSION_SCOPE=tenant a tenant has a suppression list of its own, `<prefix>:t:<tenant>:supp:<bucket>`,
  which binds only its campaigns (a campaign id `<tenant>~<id>` says its tenant).
]]
local function suppressionBucket(prefix, number) return prefix .. ':supp:' .. string.sub(number, -4) end

-- The tenant's own list's prefix for a campaign of a tenant, when tenants have lists of their own; else nil.
local function tenantListPrefix(prefix, campaignId, tenantLists)
  local tenant = tenantLists and string.match(campaignId, '^([^~]+)~')
  return tenant and (prefix .. ':t:' .. tenant) or nil
end

local function contactBucket(prefix, number) return prefix .. ':contact:' .. string.sub(number, -4) end

local function entryHead(entry) return string.match(entry, '^[^|]*') end
