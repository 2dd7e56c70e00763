--[[
  Merges outcomes into a batch's record, first-writer-wins (includes/merge-outcomes.lua): with a token it ends that
  call, without one ('') it settles recipients no call is about.

  Input:
    KEYS[1] batch        the batch hash
    ARGV[1] token        the call's token, or '' for outcomes decided without a call
    ARGV[2] outcomes     JSON {index: outcome}
    ARGV[3] count        how many outcomes ARGV[2] holds

  Output:
    {version, outcomes skipped because one was already stored}
    'lost' | 'busy': nothing written
]]
--- @include "merge-outcomes"

local version, skipped = mergeOutcomes(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]))
if version == 'lost' or version == 'busy' then return version end
return { version, skipped }
