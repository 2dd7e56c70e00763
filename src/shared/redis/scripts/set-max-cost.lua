--[[
  Sets or removes a campaign's budget cap. In one script, so that a campaign that expired meanwhile is not brought
  back as a hash of one field.

  Input:
    KEYS[1] campaign     the campaign hash
    ARGV[1] micros       the cap in millionths, or '' to remove it

  Output:
    1, or 0 when there is no such campaign
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '' then redis.call('HDEL', KEYS[1], 'maxCost') else redis.call('HSET', KEYS[1], 'maxCost', ARGV[1]) end
return 1
