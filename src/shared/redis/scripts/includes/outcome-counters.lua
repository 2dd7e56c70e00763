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

-- A batch's failed and unknown outcomes per code, as the campaign fields that count them: {['oc:<f|u>:<code>'] = n}.
local function outcomeCodes(o)
  local byCode = {}
  for _, v in pairs(o) do
    if v[1] == 'f' or v[1] == 'u' then local c = 'oc:' .. v[1] .. ':' .. v[2]; byCode[c] = (byCode[c] or 0) + 1 end
  end
  return byCode
end

-- Adds `sign` times these per-code counts to the campaign's `oc:<f|u>:<code>` fields (the console's breakdown): +1
-- when a batch is counted, -1 when it is un-counted.
local function addOutcomeCodes(campaign, byCode, sign)
  for c, k in pairs(byCode) do redis.call('HINCRBY', campaign, c, sign * k) end
end

local function countOutcomeCodes(campaign, o, sign) addOutcomeCodes(campaign, outcomeCodes(o), sign) end

-- What countOutcomes and outcomeCodes would give for `count` outcomes, read from the caller's tally of them (JSON
-- {letter: n, ['oc:<f|u>:<code>']: n}, src/shared/batch/store.ts's outcomesTally) instead of decoding them: counts
-- per letter, their sum, and the per-code counts; nil when the tally does not add up to `count` outcomes (then the
-- outcomes are decoded).
local function talliedOutcomes(json, count)
  local counts, codes, n, coded = {}, {}, 0, 0
  for letter in pairs(OUTCOME_COUNTERS) do counts[letter] = 0 end
  for key, k in pairs(cjson.decode(json)) do
    if type(k) ~= 'number' or k < 0 then return nil end
    if counts[key] then counts[key] = k; n = n + k
    elseif string.sub(key, 1, 5) == 'oc:f:' or string.sub(key, 1, 5) == 'oc:u:' then codes[key] = k; coded = coded + k
    else return nil end
  end
  if n ~= count or coded ~= counts.f + counts.u then return nil end
  return counts, n, codes
end

-- Recipients counted into the campaign so far: the sum of its outcome counters.
local function countedRecipients(campaign)
  local counted = 0
  for _, counter in pairs(OUTCOME_COUNTERS) do counted = counted + tonumber(redis.call('HGET', campaign, counter) or '0') end
  return counted
end
