--[[
  A campaign's state changes only as its lifecycle allows (src/shared/campaign/lifecycle.ts): a script that writes
  `state` is handed the states its move may leave (fromStates: comma-separated, taken from the table), and writes
  only that move's new state.
]]
-- Whether `state` (false when the campaign is missing) is one of `states`, a comma-separated list.
local function isOneOf(state, states)
  for s in string.gmatch(states, '[^,]+') do
    if s == state then return true end
  end
  return false
end
