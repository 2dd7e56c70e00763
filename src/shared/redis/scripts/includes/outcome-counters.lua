--[[
  The campaign hash counter of each stored outcome's letter, and what the scripts count with it.
  OUTCOME_COUNTERS is the Lua copy of OUTCOMES in src/shared/batch/outcomes.ts (test/unit/lua-scripts.test.ts holds
  the two equal): a new outcome is added there and here.
]]
local OUTCOME_COUNTERS = { s = 'sent', f = 'failed', u = 'unknown', c = 'cancelled', n = 'notSent', x = 'suppressed', k = 'capped', e = 'expired' }

-- A batch's outcomes ({index: outcome}) counted per letter, and how many there are.
local function countOutcomes(o)
  local counts, n = {}, 0
  for letter in pairs(OUTCOME_COUNTERS) do counts[letter] = 0 end
  for _, v in pairs(o) do counts[v[1]] = counts[v[1]] + 1; n = n + 1 end
  return counts, n
end

-- Adds `sign` times a batch's failed and unknown outcomes per code to the campaign's `oc:<f|u>:<code>` fields
-- (the console's breakdown): +1 when the batch is counted, -1 when it is un-counted.
local function countOutcomeCodes(campaign, o, sign)
  local byCode = {}
  for _, v in pairs(o) do
    if v[1] == 'f' or v[1] == 'u' then local c = 'oc:' .. v[1] .. ':' .. v[2]; byCode[c] = (byCode[c] or 0) + 1 end
  end
  for c, k in pairs(byCode) do redis.call('HINCRBY', campaign, c, sign * k) end
end

-- Recipients counted into the campaign so far: the sum of its outcome counters.
local function countedRecipients(campaign)
  local counted = 0
  for _, counter in pairs(OUTCOME_COUNTERS) do counted = counted + tonumber(redis.call('HGET', campaign, counter) or '0') end
  return counted
end
