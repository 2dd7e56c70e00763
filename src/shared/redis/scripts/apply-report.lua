--[[
  Applies a delivery report: one record per recipient, `[state, at, code, reason, pay?, currency?]`, and the
  campaign's counters kept in step:
  - the same report again changes nothing ('duplicate'), but for the price a pushed copy brings to a polled one;
  - of two reports, the later (by the gateway's time) wins, whatever order they arrive in ('older' otherwise);
  - an expiry never replaces a report, and a report that comes after expiry replaces it;
  - the price is counted once per recipient, and moved when a later report replaces an earlier one (a report without
    a price keeps the earlier one's).
  DELIVERY_COUNTERS and the `dlrPriced` counter are the Lua copy of those in src/shared/delivery/scripts.ts
  (test/unit/lua-scripts.test.ts holds them equal).

  Input:
    KEYS[1] deliveries   the batch's delivery records
    KEYS[2] campaign     the campaign hash
    KEYS[3] batch        the batch hash
    ARGV[1] index        the recipient's index in the batch
    ARGV[2] state        'd' delivered, 'x' undelivered, 'e' expired
    ARGV[3] at           the gateway's time of the report, ms
    ARGV[4] code
    ARGV[5] reason
    ARGV[6] pay          millionths, or ''
    ARGV[7] currency
    ARGV[8] retention    ms the record is kept while its batch has no expiry yet

  Output:
    'applied' | 'replaced' | 'duplicate' | 'older' | 'gone' (the campaign's results have expired)
]]
local DELIVERY_COUNTERS = { d = 'dlrDelivered', x = 'dlrUndelivered', e = 'dlrExpired' }
if redis.call('EXISTS', KEYS[2]) == 0 or redis.call('EXISTS', KEYS[3]) == 0 then return 'gone' end
local state = ARGV[2]
local at = tonumber(ARGV[3])
local result = 'applied'
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if stored then
  local old = cjson.decode(stored)
  if state == 'e' then return 'duplicate' end
  if old[1] ~= 'e' then
    if old[1] == state and old[2] == at then
      -- The same report, polled first (no price) and then pushed with one: the price is the recipient's all the same.
      if old[5] == nil and ARGV[6] ~= '' then
        old[5] = tonumber(ARGV[6])
        old[6] = ARGV[7]
        redis.call('HINCRBY', KEYS[2], 'cost:' .. old[6], old[5])
        redis.call('HINCRBY', KEYS[2], 'dlrPriced', 1)
        redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(old))
      end
      return 'duplicate'
    end
    if at <= old[2] then return 'older' end
  end
  redis.call('HINCRBY', KEYS[2], DELIVERY_COUNTERS[old[1]], -1)
  if old[5] then
    if ARGV[6] == '' then
      -- A polled report carries no price: the pushed one's price stays with the recipient.
      ARGV[6] = tostring(old[5])
      ARGV[7] = old[6]
    end
    redis.call('HINCRBY', KEYS[2], 'cost:' .. old[6], -old[5])
    redis.call('HINCRBY', KEYS[2], 'dlrPriced', -1)
  end
  result = 'replaced'
end
local record = { state, at, ARGV[4], ARGV[5] }
if ARGV[6] ~= '' then
  record[5] = tonumber(ARGV[6])
  record[6] = ARGV[7]
  redis.call('HINCRBY', KEYS[2], 'cost:' .. ARGV[7], record[5])
  redis.call('HINCRBY', KEYS[2], 'dlrPriced', 1)
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
redis.call('HINCRBY', KEYS[2], DELIVERY_COUNTERS[state], 1)
-- As long as the batch's own record: its expiry once the batch has finished, the full retention before.
local ttl = redis.call('PTTL', KEYS[3])
redis.call('PEXPIRE', KEYS[1], ttl > 0 and ttl or ARGV[8])
return result
