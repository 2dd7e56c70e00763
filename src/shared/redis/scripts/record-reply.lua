--[[
  Stores a reply, attributes it to the campaign last sent to its number, and applies its opt-out keyword — in one
  step, so that a reply is stored, attributed and acted on exactly once even when the push and the poller bring it at
  the same moment: the first copy sets the seen-marker, a later one answers 'duplicate' and changes nothing.
  A STOP never overwrites an entry already listed (an operator's `manual` stays `manual`); a START removes only a
  `stop-reply` entry: what an operator, an import or a complaint put on the list, a text message cannot take off.
  An attributed reply counts on its campaign (`replies`, and `optOuts` for a STOP).
  With tenant lists (SMS_SUPPRESSION_SCOPE=tenant), a reply attributed to a tenant's campaign changes that tenant's
  own list; an unattributed one, or one to an admin's campaign, the shared list.

  Input:
    KEYS[1] seen          the reply's seen-marker
    KEYS[2] contacts      its number's contact-history bucket
    KEYS[3] campaignRefs  campaign ref -> campaignId
    KEYS[4] replies       the replies stream
    KEYS[5] suppression   its number's suppression bucket
    KEYS[6] listVersion   the suppression list's version, change log, floor and count, moved with the bucket
    KEYS[7] listChanges
    KEYS[8] listFloor
    KEYS[9] listCount
    ARGV[1] number
    ARGV[2] dedupSeconds  how long the seen-marker is kept
    ARGV[3] maxKept       the stream's approximate maximum length
    ARGV[4] keyword       'stop', 'start' or ''
    ARGV[5] entry         the suppression entry a STOP adds
    ARGV[6] logBound      the most numbers the list's change log keeps
    ARGV[7] tenantLists   the key prefix when tenants have lists of their own, else ''
    ARGV[8...] the stream entry's field/value pairs

  Output:
    {'duplicate'}, or {'stored', stream id, campaignId or '', list change}: the change is 'added', 'already-listed',
    'removed', 'kept', 'not-listed' or '' (no keyword)
]]
--- @include "number-buckets"
--- @include "suppression-log"

if not redis.call('SET', KEYS[1], '1', 'EX', ARGV[2], 'NX') then return {'duplicate'} end
local number = ARGV[1]
local campaignId = ''
local contact = redis.call('HGET', KEYS[2], number)
if contact then
  campaignId = redis.call('HGET', KEYS[3], entryHead(contact)) or ''
end
local change = ''
local ownList = ARGV[7] ~= '' and tenantListPrefix(ARGV[7], campaignId, true)
local list = ownList and suppressionBucket(ownList, number) or KEYS[5]
if ARGV[4] == 'stop' then
  if redis.call('HSETNX', list, number, ARGV[5]) == 1 then change = 'added' else change = 'already-listed' end
elseif ARGV[4] == 'start' then
  local entry = redis.call('HGET', list, number)
  if not entry then change = 'not-listed'
  elseif entryHead(entry) == 'stop-reply' then
    redis.call('HDEL', list, number)
    change = 'removed'
  else change = 'kept' end
end
if change == 'added' or change == 'removed' then
  noteSuppressionChange({ KEYS[6], KEYS[7], KEYS[8], KEYS[9] }, { number }, change == 'added' and 1 or -1, tonumber(ARGV[6]))
end
-- The campaign's reply counters (a canary's opt-out gate reads `optOuts`): the campaign hash is the refs key's sibling.
if campaignId ~= '' then
  local campaign = string.sub(KEYS[3], 1, #KEYS[3] - #'campaign-refs') .. 'campaign:' .. campaignId
  if redis.call('EXISTS', campaign) == 1 then
    redis.call('HINCRBY', campaign, 'replies', 1)
    if ARGV[4] == 'stop' then redis.call('HINCRBY', campaign, 'optOuts', 1) end
  end
end
local fields = {}
for j = 8, #ARGV do fields[#fields + 1] = ARGV[j] end
fields[#fields + 1] = 'campaignId'
fields[#fields + 1] = campaignId
fields[#fields + 1] = 'change'
fields[#fields + 1] = change
local id = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], '*', unpack(fields))
return {'stored', id, campaignId, change}
