import { lua } from '../redis/lua';

/**
 * The one table from a stored delivery state to the campaign hash counter that counts it (the campaign record
 * reads the same names); `dlrPriced` counts the reports that carried a price.
 */
export const DELIVERY_COUNTERS = { d: 'dlrDelivered', x: 'dlrUndelivered', e: 'dlrExpired' } as const;
export const PRICED_COUNTER = 'dlrPriced';
const LUA_DELIVERY_COUNTERS = `{ ${Object.entries(DELIVERY_COUNTERS).map(([state, counter]) => `${state} = '${counter}'`).join(', ')} }`;

export type ApplyResult = 'applied' | 'replaced' | 'duplicate' | 'older' | 'gone';

/**
 * KEYS: deliveries hash of the batch, campaign, batch.
 * ARGV: recipient index, state ('d' delivered, 'x' undelivered, 'e' expired), at (ms), code, reason,
 * pay (millionths, or ''), currency, retention (ms).
 *
 * One record per recipient, `[state, at, code, reason, pay?, currency?]`, and campaign counters kept in step:
 * - the same report again changes nothing ('duplicate'), but for the price a pushed copy brings to a polled one;
 * - of two reports, the later (by the gateway's time) wins, whatever order they arrive in ('older' otherwise);
 * - an expiry never replaces a report, and a report that comes after expiry replaces it;
 * - the price is counted once per recipient, and moved when a later report replaces an earlier one (a report
 *   without a price keeps the earlier one's).
 * Returns 'applied' | 'replaced' | 'duplicate' | 'older' | 'gone' (the campaign's results have expired).
 */
export const APPLY_REPORT = lua<
  [deliveries: string, campaign: string, batch: string],
  [index: string, state: 'd' | 'x' | 'e', at: string, code: string, reason: string, payMicros: string, currency: string, retentionMs: string],
  ApplyResult
>(`
if redis.call('EXISTS', KEYS[2]) == 0 or redis.call('EXISTS', KEYS[3]) == 0 then return 'gone' end
local counter = ${LUA_DELIVERY_COUNTERS}
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
        redis.call('HINCRBY', KEYS[2], '${PRICED_COUNTER}', 1)
        redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(old))
      end
      return 'duplicate'
    end
    if at <= old[2] then return 'older' end
  end
  redis.call('HINCRBY', KEYS[2], counter[old[1]], -1)
  if old[5] then
    if ARGV[6] == '' then
      -- A polled report carries no price: the pushed one's price stays with the recipient.
      ARGV[6] = tostring(old[5])
      ARGV[7] = old[6]
    end
    redis.call('HINCRBY', KEYS[2], 'cost:' .. old[6], -old[5])
    redis.call('HINCRBY', KEYS[2], '${PRICED_COUNTER}', -1)
  end
  result = 'replaced'
end
local record = { state, at, ARGV[4], ARGV[5] }
if ARGV[6] ~= '' then
  record[5] = tonumber(ARGV[6])
  record[6] = ARGV[7]
  redis.call('HINCRBY', KEYS[2], 'cost:' .. ARGV[7], record[5])
  redis.call('HINCRBY', KEYS[2], '${PRICED_COUNTER}', 1)
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
redis.call('HINCRBY', KEYS[2], counter[state], 1)
-- As long as the batch's own record: its expiry once the batch has finished, the full retention before.
local ttl = redis.call('PTTL', KEYS[3])
redis.call('PEXPIRE', KEYS[1], ttl > 0 and ttl or ARGV[8])
return result`);
