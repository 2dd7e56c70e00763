--[[
  The frequency cap's rule (SMS_FREQUENCY_CAP): a number's sends that count are those of its contact history entry
  (`<campaign ref>|<send times, s>`, see number-buckets) still inside the rolling period; a number with the cap's
  count of them is capped. BEGIN_CALL applies it at each call, and CAPPED_AMONG asks it ahead (a resend).
]]
local function recentSends(entry, nowSec, capPeriod)
  local times = {}
  if entry then
    for t in string.gmatch(string.match(entry, '|(.*)$') or '', '[^,]+') do
      if tonumber(t) > nowSec - capPeriod then times[#times + 1] = t end
    end
  end
  return times
end
