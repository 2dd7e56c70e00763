/**
 * Lua scripts that keep a batch's record consistent when two runs of one batch job overlap (a stalled job
 * re-run while the first run is still alive). Outcomes are merged first-writer-wins, so a recipient's outcome,
 * once stored, never changes; the in-flight call carries the owning run's token.
 *
 * Batch hash fields: r (recipients), o (JSON {index: StoredOutcome}), fly (JSON {i: [indices], at}) and ft (its
 * run's token) while a call is in flight, v (a version bumped by every outcome write), st ('done' once counted).
 */

/**
 * KEYS: batch, campaign. ARGV: token, fly JSON, the version the run last saw.
 * Refuses to start a call for a cancelled or failed campaign, while another call is in flight, or when outcomes
 * were written since the run last looked ('stale': another run is at work, and the call might repeat its sends).
 */
export const BEGIN_CALL = `
local state = redis.call('HGET', KEYS[2], 'state')
if state == 'cancelled' or state == 'failed' then return state end
if redis.call('HGET', KEYS[1], 'st') == 'done' then return 'done' end
if redis.call('HEXISTS', KEYS[1], 'ft') == 1 then return 'busy' end
if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[3] then return 'stale' end
redis.call('HSET', KEYS[1], 'fly', ARGV[2], 'ft', ARGV[1])
if state == 'queued' then redis.call('HSET', KEYS[2], 'state', 'running') end
return 'ok'`;

/**
 * KEYS: batch. ARGV: token, outcomes JSON, how many outcomes it holds. Merges outcomes first-writer-wins.
 * With a token, it ends that call (ours, or a stale one a dead run left) and returns 'lost' if the in-flight
 * record is not that call's any more. Without one ('') it settles recipients no call is about, and refuses
 * ('busy') while any call is in flight. Returns {version, outcomes skipped because one was already stored}.
 */
export const RECORD_OUTCOMES = `
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
return { tonumber(redis.call('HGET', KEYS[1], 'v') or '0'), skipped }`;

/**
 * KEYS: batch, campaign, the batch's delivery reports. ARGV: recipients in the batch, retention seconds, now (ms),
 * '1' when the campaign's events go to a webhook.
 * Counts a settled batch into its campaign exactly once and completes the campaign with its last batch.
 * Returns 'incomplete' | 'already' | 'counted' | 'completed', followed by `|` and the webhook events it reserved
 * (`seq,at[,completedSeq,sent,failed,unknown,cancelled,notSent]`, kept in the batch hash as `wh`) when there are
 * some: a re-run that finds the batch counted ('already') gets the same ones back, to queue them again.
 */
export const FINISH_BATCH = `
local function answer(result)
  local wh = redis.call('HGET', KEYS[1], 'wh')
  if wh then return result .. '|' .. wh end
  return result
end
if redis.call('HGET', KEYS[1], 'st') == 'done' then return answer('already') end
local stored = redis.call('HGET', KEYS[1], 'o')
local o = stored and cjson.decode(stored) or {}
local counts = { s = 0, f = 0, u = 0, c = 0, n = 0 }
local n = 0
for _, v in pairs(o) do counts[v[1]] = counts[v[1]] + 1; n = n + 1 end
if n < tonumber(ARGV[1]) then return 'incomplete' end
redis.call('HSET', KEYS[1], 'st', 'done')
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
local webhooks = ARGV[4] == '1'
if webhooks then redis.call('HSET', KEYS[1], 'wh', redis.call('HINCRBY', KEYS[2], 'webhookSeq', 1) .. ',' .. ARGV[3]) end
local sent = redis.call('HINCRBY', KEYS[2], 'sent', counts.s)
local failed = redis.call('HINCRBY', KEYS[2], 'failed', counts.f)
local unknown = redis.call('HINCRBY', KEYS[2], 'unknown', counts.u)
local cancelled = redis.call('HINCRBY', KEYS[2], 'cancelled', counts.c)
local notSent = redis.call('HINCRBY', KEYS[2], 'notSent', counts.n)
local total = tonumber(redis.call('HGET', KEYS[2], 'total'))
if sent + failed + unknown + cancelled + notSent < total then return answer('counted') end
local state = redis.call('HGET', KEYS[2], 'state')
if state == 'queued' or state == 'running' then
  redis.call('HSET', KEYS[2], 'state', 'completed')
  if webhooks then
    local seq = redis.call('HINCRBY', KEYS[2], 'webhookSeq', 1)
    redis.call('HSET', KEYS[1], 'wh', table.concat({ redis.call('HGET', KEYS[1], 'wh'), seq, sent, failed, unknown, cancelled, notSent }, ','))
  end
end
redis.call('HSET', KEYS[2], 'finishedAt', ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return answer('completed')`;

/** KEYS: campaign. ARGV: allowed states (comma-separated), new state, then field/value pairs to set with it. */
export const TRANSITION = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
for allowed in string.gmatch(ARGV[1], '[^,]+') do
  if state == allowed then
    redis.call('HSET', KEYS[1], 'state', ARGV[2])
    for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
    return 'ok'
  end
end
return state`;

/**
 * KEYS: batch, campaign. ARGV: outcomes JSON {index: outcome}. The one exception to first-writer-wins: an
 * `unknown` outcome may be replaced once reconcile has the gateway's records (by `sent` or `not-sent`). Other
 * outcomes are left alone. A batch already counted moves its campaign's counters with it. Returns how many
 * outcomes changed.
 */
export const RECONCILE_OUTCOMES = `
local stored = redis.call('HGET', KEYS[1], 'o')
if not stored then return 0 end
local o = cjson.decode(stored)
local counted = redis.call('HGET', KEYS[1], 'st') == 'done'
local field = { s = 'sent', f = 'failed', u = 'unknown', c = 'cancelled', n = 'notSent' }
local changed = 0
for k, v in pairs(cjson.decode(ARGV[1])) do
  local old = o[k]
  if old and old[1] == 'u' and v[1] ~= 'u' then
    o[k] = v
    changed = changed + 1
    if counted then
      redis.call('HINCRBY', KEYS[2], 'unknown', -1)
      redis.call('HINCRBY', KEYS[2], field[v[1]], 1)
    end
  end
end
if changed > 0 then
  redis.call('HSET', KEYS[1], 'o', cjson.encode(o))
  redis.call('HINCRBY', KEYS[1], 'v', 1)
  -- The batch's reserved recipients.settled no longer describes it: a re-run must not queue it again.
  redis.call('HDEL', KEYS[1], 'wh')
end
return changed`;

/**
 * KEYS: batch, campaign. ARGV: resend round. For `reconcile --resend`: takes the batch's `not-sent` outcomes
 * away, so that they are pending again, and un-counts the batch (FINISH_BATCH counts it again when its new job
 * ends). A completed campaign is running again. Returns how many recipients are pending again.
 */
export const REOPEN_BATCH = `
if redis.call('HGET', KEYS[1], 'st') ~= 'done' then return 0 end
local o = cjson.decode(redis.call('HGET', KEYS[1], 'o') or '{}')
local counts = { s = 0, f = 0, u = 0, c = 0, n = 0 }
local reopened = 0
for k, v in pairs(o) do
  counts[v[1]] = counts[v[1]] + 1
  if v[1] == 'n' then o[k] = nil; reopened = reopened + 1 end
end
if reopened == 0 then return 0 end
local field = { s = 'sent', f = 'failed', u = 'unknown', c = 'cancelled', n = 'notSent' }
for kind, n in pairs(counts) do
  if n > 0 then redis.call('HINCRBY', KEYS[2], field[kind], -n) end
end
if next(o) == nil then redis.call('HDEL', KEYS[1], 'o') else redis.call('HSET', KEYS[1], 'o', cjson.encode(o)) end
redis.call('HDEL', KEYS[1], 'st', 'wh')
redis.call('HINCRBY', KEYS[1], 'v', 1)
if redis.call('HGET', KEYS[2], 'state') == 'completed' then
  redis.call('HSET', KEYS[2], 'state', 'running')
  redis.call('HDEL', KEYS[2], 'finishedAt')
end
redis.call('HSET', KEYS[2], 'resendRound', ARGV[1])
return reopened`;
