--[[
  The suppression list and the contact history are hashes bucketed by a number's last 4 digits (small hashes stay
  listpacks), as src/shared/redis/keys.ts names them: `<prefix>:supp:<bucket>` and `<prefix>:contact:<bucket>`.
  An entry's value starts with its head (a suppression's reason, a contact's campaign ref) up to the first `|`.
]]
local function suppressionBucket(prefix, number) return prefix .. ':supp:' .. string.sub(number, -4) end

local function contactBucket(prefix, number) return prefix .. ':contact:' .. string.sub(number, -4) end

local function entryHead(entry) return string.match(entry, '^[^|]*') end
