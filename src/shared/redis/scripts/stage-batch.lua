--[[
  Writes a batch of a campaign that is staging, unless it exists (a producer staging the rest of a campaign again
  writes only what is missing), and wakes the batch's job if it waits for it.

  Input:
    KEYS[1] batch        the batch hash
    KEYS[2] campaign     the campaign hash
    KEYS[3] waiters      the batch indexes whose jobs wait for their batch
    ARGV[1] recipients   the encoded recipients
    ARGV[2] count        how many there are
    ARGV[3] batch        the batch index
    ARGV[4...] field/value pairs written with the recipients: the suppression list as staging saw it (`sv`, `sx`;
               see src/shared/opt-out/list-version.ts), none when it was not looked at

  Output:
    'ended' (staging was ended: nothing written), else 1 when a job waits for this batch, 0 when none does
]]
if not redis.call('HGET', KEYS[2], 'staging') then return 'ended' end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'r', ARGV[1], unpack(ARGV, 4))
  redis.call('HINCRBY', KEYS[2], 'staged', ARGV[2])
end
return redis.call('SREM', KEYS[3], ARGV[3])
