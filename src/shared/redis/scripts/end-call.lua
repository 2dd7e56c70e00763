--[[
  Ends a call, in one step: merges its outcomes into the batch's record (includes/merge-outcomes.lua: first writer
  wins, 'lost' when the in-flight record is not the call's any more), indexes the msgIds it sent for delivery reports,
  and, when the caller asks and the batch now has an outcome for every recipient, counts the batch into its campaign
  (includes/count-batch.lua, as FINISH_BATCH does). A call that leaves recipients pending (a -9 split's first half,
  recipients held by a send window) only records and indexes.

  The msgId index (src/shared/delivery/msgid-index.ts) is written as the caller computed it: the batch reference's
  entry in its generation's table, and each bucket's fields, under keys the caller built from the queue prefix (on a
  Redis Cluster they share its hash slot). Writing it again is harmless: a msgId maps to the same recipient.

  Input:
    KEYS[1] batch           the batch hash
    KEYS[2] campaign        the campaign hash
    KEYS[3] deliveries      the batch's delivery reports
    KEYS[4] series          the campaign's series
    KEYS[5] refs            the msgId index's batch-reference table of the current generation
    KEYS[6] awaiting        the report poller's list of batches awaiting reports
    KEYS[7] heldFlag        set while any delivery report waits for its msgId to be indexed
    KEYS[8] calls           the batch's call log
    ARGV[1] token           the call's token ('' for outcomes decided without a call)
    ARGV[2] outcomes        JSON {index: outcome}
    ARGV[3] count           how many outcomes ARGV[2] holds
    ARGV[4] finish          the batch's recipient count, to count the batch in once every one has an outcome; '' not to
    ARGV[5] retention       seconds the results are kept once counted
    ARGV[6] now             ms
    ARGV[7] seriesSamples   samples the campaign's series keeps
    ARGV[8] autoSettle      '1' when automatic settling is on
    ARGV[9] webhooks        '1' when the campaign's events go to a webhook
    ARGV[10] completeFrom   the states the campaign completes from (lifecycle.ts's `complete` move), comma-separated
    ARGV[11] ref            the batch reference the msgIds are indexed under; '' when none is indexed
    ARGV[12] refEntry       its entry in KEYS[5]: `<campaignId>\t<batch>\t<sentAt>`
    ARGV[13] expiresAt      ms: when the generation's keys expire
    ARGV[14] awaitingScore  ms: when the report poller first asks about the batch
    ARGV[15] awaitingMember the batch's member in KEYS[6]
    ARGV[16] tally          with ARGV[4]: the caller's count of ARGV[2]'s outcomes, JSON {letter: n,
                            'oc:<f|u>:<code>': n} (includes/outcome-counters.lua's talliedOutcomes); '' when not given
    ARGV[17] callEntry      the call's log entry; '' for outcomes no call is about
    ARGV[18] callLogMax     entries the call log keeps
    ARGV[19...]             per bucket: its key, how many field-value pairs follow, '1' to set its expiry (else ''),
                            then the pairs: normalised msgId, `<ref>:<index>:<number's last digits>` (base 36)

  Output:
    {version, outcomes skipped because one was already stored, finished, reportsHeld}: finished is '' when not asked,
    else what FINISH_BATCH answers ('incomplete', 'already', 'counted', 'settling' or 'completed', with `|` and the
    reserved webhook events when there are some); reportsHeld is 1 when msgIds were indexed while reports are held
    'lost' | 'busy': nothing written
]]
--- @include "merge-outcomes"
--- @include "count-batch"

local version, skipped, merged = mergeOutcomes(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]))
if version == 'lost' or version == 'busy' then return version end

if ARGV[17] ~= '' then
  redis.call('RPUSH', KEYS[8], ARGV[17])
  redis.call('LTRIM', KEYS[8], -tonumber(ARGV[18]), -1)
  redis.call('EXPIRE', KEYS[8], ARGV[5])
end

local held = 0
if ARGV[11] ~= '' then
  redis.call('HSET', KEYS[5], ARGV[11], ARGV[12])
  redis.call('PEXPIREAT', KEYS[5], ARGV[13])
  local j = 19
  while j <= #ARGV do
    local key, n = ARGV[j], tonumber(ARGV[j + 1])
    redis.call('HSET', key, unpack(ARGV, j + 3, j + 2 + 2 * n))
    if ARGV[j + 2] == '1' then redis.call('PEXPIREAT', key, ARGV[13]) end
    j = j + 3 + 2 * n
  end
  redis.call('ZADD', KEYS[6], ARGV[14], ARGV[15])
  held = redis.call('EXISTS', KEYS[7])
end

local finished = ''
if ARGV[4] ~= '' then
  local o, tally = merged, nil
  if not merged and tonumber(ARGV[3]) > 0 then
    -- The outcomes just stored as given are all the batch holds: counted from the caller's tally of them when it
    -- adds up, else decoded once, here. Outcomes stored before (a split, a re-run, held recipients) were merged
    -- above, and are counted from what is stored.
    if ARGV[16] ~= '' then
      local counts, n, codes = talliedOutcomes(ARGV[16], tonumber(ARGV[3]))
      if counts then tally = { counts = counts, n = n, codes = codes } end
    end
    if not tally then o = cjson.decode(ARGV[2]) end
  end
  finished = countBatch(
    { batch = KEYS[1], campaign = KEYS[2], deliveries = KEYS[3], series = KEYS[4] },
    {
      recipients = tonumber(ARGV[4]),
      retention = ARGV[5],
      now = ARGV[6],
      seriesSamples = tonumber(ARGV[7]),
      autoSettle = ARGV[8] == '1',
      webhooks = ARGV[9] == '1',
      completeFrom = ARGV[10],
    },
    o,
    tally
  )
end
return { version, skipped, finished, held }
