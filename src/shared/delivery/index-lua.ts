/**
 * The msgId index's writer in Lua, shared by FINISH_BATCH (a batch's sends, indexed in the same script that
 * counts the batch) and INDEX_ENTRIES (what reconcile finds). Writing it in Redis keeps a thousand field/value
 * strings per batch off the worker's Redis client, which cost it a third of its CPU when written from Node.
 *
 * It must agree with msgid.ts (normalizeMsgId, bucketOf) and msgid-index.ts (the value format).
 * KEYS from `first`: the generation's batch table, the awaiting-reports set, then its BUCKETS bucket hashes.
 */
export const INDEX_LIB = `
local function base36(n)
  local digits = '0123456789abcdefghijklmnopqrstuvwxyz'
  if n == 0 then return '0' end
  local s = ''
  while n > 0 do
    local d = n % 36
    s = string.sub(digits, d + 1, d + 1) .. s
    n = (n - d) / 36
  end
  return s
end

local function normalize(id)
  id = string.lower(string.match(id, '^%s*(.-)%s*$'))
  local stripped = string.gsub(id, '^0+', '')
  if stripped == '' and id ~= '' then return '0' end
  return stripped
end

local function bucket_of(id, buckets)
  local h = 0
  for i = 1, #id do h = (h * 48271 + string.byte(id, i)) % 2147483647 end
  return h % buckets
end

-- entries: { {msgId, recipient index, number tail}, ... }; opts: first, buckets, campaignId, batch, sentAt, firstAsk, expireAt
local function index_msgids(entries, o)
  if #entries == 0 then return end
  local refs = KEYS[o.first]
  local ref = base36(redis.call('HINCRBY', refs, 'seq', 1))
  redis.call('HSET', refs, ref, o.campaignId .. '\\t' .. o.batch .. '\\t' .. o.sentAt)
  redis.call('PEXPIREAT', refs, o.expireAt)
  local byBucket = {}
  for _, e in ipairs(entries) do
    local id = normalize(e[1])
    local b = bucket_of(id, o.buckets)
    local list = byBucket[b]
    if not list then list = {}; byBucket[b] = list end
    list[#list + 1] = id
    list[#list + 1] = ref .. ':' .. base36(e[2]) .. ':' .. e[3]
  end
  for b, list in pairs(byBucket) do
    local key = KEYS[o.first + 2 + b]
    redis.call('HSET', key, unpack(list))
    redis.call('PEXPIREAT', key, o.expireAt)
  end
  redis.call('ZADD', KEYS[o.first + 1], o.firstAsk, o.sentAt .. '\\t' .. o.campaignId .. '\\t' .. o.batch)
end
`;

/**
 * KEYS: the generation's batch table, awaiting-reports set, bucket hashes. ARGV: buckets, campaignId, batch,
 * sentAt, firstAsk, expireAt, entries JSON [[msgId, index, numberTail], ...]. Indexes one batch's entries.
 */
export const INDEX_ENTRIES = `${INDEX_LIB}
index_msgids(cjson.decode(ARGV[7]), { first = 1, buckets = tonumber(ARGV[1]), campaignId = ARGV[2], batch = ARGV[3],
  sentAt = ARGV[4], firstAsk = tonumber(ARGV[5]), expireAt = tonumber(ARGV[6]) })
return 1`;
