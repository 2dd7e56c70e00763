--[[
  For a batch job whose batch has no record: whether it has one now, or may still get one.

  Input:
    KEYS[1] batch        the batch hash
    KEYS[2] campaign     the campaign hash
    KEYS[3] waiters      the batch indexes whose jobs wait for their batch
    ARGV[1] batch        the batch index

  Output:
    'staged' (it has a record now), 'wait' (noted among the waiters, for the producer to wake, while the campaign is
    staging), or 'never' (staging ended before this batch was written, or the campaign never staged this way)
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 'staged' end
if not redis.call('HGET', KEYS[2], 'staging') then return 'never' end
redis.call('SADD', KEYS[3], ARGV[1])
return 'wait'
