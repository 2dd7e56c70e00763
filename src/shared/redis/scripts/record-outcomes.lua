--[[
  Merges outcomes into a batch's record, first-writer-wins: a recipient's outcome, once stored, never changes.
  With a token, it ends that call (ours, or a stale one a dead run left) and refuses ('lost') if the in-flight
  record is not that call's any more. Without one ('') it settles recipients no call is about, and refuses ('busy')
  while any call is in flight.

  Input:
    KEYS[1] batch        the batch hash
    ARGV[1] token        the call's token, or '' for outcomes decided without a call
    ARGV[2] outcomes     JSON {index: outcome}
    ARGV[3] count        how many outcomes ARGV[2] holds

  Output:
    {version, outcomes skipped because one was already stored}
    'lost' | 'busy': nothing written
]]
local ft = redis.call('HGET', KEYS[1], 'ft')
if ARGV[1] ~= '' then
  if ft ~= ARGV[1] then return 'lost' end
elseif ft then
  return 'busy'
end
local skipped = 0
if tonumber(ARGV[3]) > 0 then
  local stored = redis.call('HGET', KEYS[1], 'o')
  if not stored then
    -- The first outcomes of a batch (most batches have only these): stored as given, nothing to merge.
    redis.call('HSET', KEYS[1], 'o', ARGV[2])
  else
    local o = cjson.decode(stored)
    local n = 0
    for k, v in pairs(cjson.decode(ARGV[2])) do
      if o[k] == nil then o[k] = v; n = n + 1 else skipped = skipped + 1 end
    end
    if n > 0 then redis.call('HSET', KEYS[1], 'o', cjson.encode(o)) end
  end
  redis.call('HINCRBY', KEYS[1], 'v', 1)
end
if ARGV[1] ~= '' then redis.call('HDEL', KEYS[1], 'fly', 'ft') end
return { tonumber(redis.call('HGET', KEYS[1], 'v') or '0'), skipped }
