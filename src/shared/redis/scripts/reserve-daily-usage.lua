--[[
  Reserves a campaign's share of its tenant's UTC day, or refuses it: both counters are raised, or neither. One
  script, so that two enqueues of one tenant at the same moment cannot both pass a limit only one of them fits under.

  Input:
    KEYS[1] usage          the tenant's usage hash for the day (`recipients`, `spendMicros`)
    ARGV[1] recipients     the campaign's recipients
    ARGV[2] spendMicros    its estimated cost, in micros
    ARGV[3] maxRecipients  the tenant's recipientsPerDay, or '' for none
    ARGV[4] maxSpend       the tenant's spendPerDayMicros, or '' for none
    ARGV[5] expireAt       when the hash goes, ms since the epoch (a day after the day ends)

  Output:
    0 when reserved; else {limit, used}: the first limit the campaign would pass ('recipientsPerDay' or
    'spendPerDay') and how much of it the day has used
]]
local function used(field) return tonumber(redis.call('HGET', KEYS[1], field) or '0') end

if ARGV[3] ~= '' then
  local n = used('recipients')
  if n + tonumber(ARGV[1]) > tonumber(ARGV[3]) then return { 'recipientsPerDay', n } end
end
if ARGV[4] ~= '' then
  local n = used('spendMicros')
  if n + tonumber(ARGV[2]) > tonumber(ARGV[4]) then return { 'spendPerDay', n } end
end
redis.call('HINCRBY', KEYS[1], 'recipients', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'spendMicros', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
return 0
