--[[
  Counts a settled batch into its campaign exactly once, and completes the campaign with its last batch
  (includes/count-batch.lua, where the rule is described). END_CALL does the same when a call settles a batch's last
  recipients; this script counts the batches settled otherwise (cancelled, failed for good, a re-run that finds
  them settled) and gives a re-run of a counted batch its reserved webhook events back.

  Input:
    KEYS[1] batch          the batch hash
    KEYS[2] campaign       the campaign hash
    KEYS[3] deliveries     the batch's delivery reports
    KEYS[4] series         the campaign's series (a list of `at,sent,failed,unknown` samples)
    ARGV[1] recipients     how many recipients the batch has
    ARGV[2] retention      seconds the results are kept once counted
    ARGV[3] now            ms
    ARGV[4] seriesSamples  samples the series keeps
    ARGV[5] autoSettle     '1' when automatic settling is on (SMS_AUTO_SETTLE)
    ARGV[6] webhooks       '1' when the campaign's events go to a webhook
    ARGV[7] completeFrom   the states the campaign completes from (lifecycle.ts's `complete` move), comma-separated

  Output:
    'incomplete' (a recipient has no outcome yet: nothing counted), 'already' (counted before), 'counted',
    'settling' (last batch, kept open for settling) or 'completed' (last batch), followed by `|` and the reserved
    webhook events when there are some
]]
--- @include "count-batch"

return countBatch(
  { batch = KEYS[1], campaign = KEYS[2], deliveries = KEYS[3], series = KEYS[4] },
  {
    recipients = tonumber(ARGV[1]),
    retention = ARGV[2],
    now = ARGV[3],
    seriesSamples = tonumber(ARGV[4]),
    autoSettle = ARGV[5] == '1',
    webhooks = ARGV[6] == '1',
    completeFrom = ARGV[7],
  }
)
