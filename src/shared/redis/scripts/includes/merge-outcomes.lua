--[[
  The one rule for writing outcomes into a batch's record (RECORD_OUTCOMES, END_CALL): first writer wins, so a
  recipient's outcome, once stored, never changes. With a token it ends that call (ours, or a stale one a dead run
  left) and refuses ('lost') if the in-flight record is not that call's any more; without one ('') it settles
  recipients no call is about, and refuses ('busy') while any call is in flight.

  mergeOutcomes(batch, token, outcomesJson, count):
    batch         the batch hash
    token         the call's token, or ''
    outcomesJson  JSON {index: outcome}
    count         how many outcomes outcomesJson holds
  Returns 'lost' or 'busy' (nothing written), or the batch's version, how many outcomes were skipped because one was
  already stored, and the batch's outcomes as a table when it had to decode them to merge (nil when they were stored
  as given).
]]
local function mergeOutcomes(batch, token, json, count)
  local ft = redis.call('HGET', batch, 'ft')
  if token ~= '' then
    if ft ~= token then return 'lost' end
  elseif ft then
    return 'busy'
  end
  local skipped, merged, version = 0, nil, nil
  if count > 0 then
    local stored = redis.call('HGET', batch, 'o')
    if not stored then
      -- The first outcomes of a batch (most batches have only these): stored as given, nothing to merge.
      redis.call('HSET', batch, 'o', json)
    else
      merged = cjson.decode(stored)
      local n = 0
      for k, v in pairs(cjson.decode(json)) do
        if merged[k] == nil then merged[k] = v; n = n + 1 else skipped = skipped + 1 end
      end
      if n > 0 then redis.call('HSET', batch, 'o', cjson.encode(merged)) end
    end
    version = redis.call('HINCRBY', batch, 'v', 1)
  end
  if token ~= '' then redis.call('HDEL', batch, 'fly', 'ft') end
  return version or tonumber(redis.call('HGET', batch, 'v') or '0'), skipped, merged
end
