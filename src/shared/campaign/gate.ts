import type { Keys } from '../redis/keys';
import { lua, runScript } from '../redis/lua';
import type { RedisClient } from '../redis/connection';
import type { CampaignState } from '../types';

/**
 * What a batch job is told when it starts: send now (`go`, with the campaign's state), hold back because its
 * campaign is paused (`paused`: the job is parked and resume promotes it), or come back in `ms` because a rate
 * cap holds it (`wait`). Held jobs leave the worker's slot free for other campaigns' batches.
 */
export type GateDecision = { kind: 'go'; state: CampaignState } | { kind: 'paused' } | { kind: 'wait'; ms: number } | { kind: 'missing' };

/**
 * KEYS: campaign, parked set, campaign rate, sender rate. ARGV: now (ms), recipients the batch will send, sender
 * calls per second (0: none), the job id (parked when paused).
 * A batch of a campaign still scheduled, before its sendAt, waits for it too (as `wait`).
 * Rate caps are GCRA: each key holds the time before which the next batch may not start; a batch that starts
 * moves it on by its cost (recipients / maxRate, or one call / sender rate). Both caps are checked before either
 * is charged, so a batch held by one cap does not use up the other. Also records the first and last batch start.
 */
const START_BATCH = lua<
  [campaign: string, parked: string, campaignRate: string, senderRate: string],
  [now: string, recipients: string, senderRate: string, jobId: string],
  [go: 'go', state: CampaignState] | [wait: 'wait', ms: string] | ['paused'] | ['missing']
>(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing'} end
if state == 'paused' then
  redis.call('SADD', KEYS[2], ARGV[4])
  return {'paused'}
end
local now = tonumber(ARGV[1])
-- smsq releases no batch before its campaign's sendAt; one that starts earlier was added from outside smsq.
if state == 'scheduled' then
  local sendAt = tonumber(redis.call('HGET', KEYS[1], 'sendAt') or '')
  if sendAt and sendAt > now then return {'wait', tostring(math.ceil(sendAt - now))} end
end
if state == 'queued' or state == 'running' then
  local maxRate = tonumber(redis.call('HGET', KEYS[1], 'maxRate') or '0')
  local senderRate = tonumber(ARGV[3])
  local ctat = maxRate > 0 and tonumber(redis.call('GET', KEYS[3]) or '0') or 0
  local stat = senderRate > 0 and tonumber(redis.call('GET', KEYS[4]) or '0') or 0
  local wait = math.max(ctat - now, stat - now, 0)
  if wait > 0 then return {'wait', tostring(math.ceil(wait))} end
  if maxRate > 0 then
    local tat = now + tonumber(ARGV[2]) * 1000 / maxRate
    redis.call('SET', KEYS[3], tostring(tat), 'PX', math.ceil(tat - now) + 60000)
  end
  if senderRate > 0 then
    local tat = now + 1000 / senderRate
    redis.call('SET', KEYS[4], tostring(tat), 'PX', math.ceil(tat - now) + 60000)
  end
  redis.call('HSETNX', KEYS[1], 'firstBatchAt', ARGV[1])
  redis.call('HSET', KEYS[1], 'lastBatchAt', ARGV[1])
end
return {'go', state}`);

/**
 * KEYS: campaign, parked set. ARGV: now (ms). Resumes a paused campaign: back to `running` — or to `scheduled`
 * when it was paused before its sendAt and that is still ahead (its split job, still delayed, starts it then) —
 * its pause fields cleared, and the ids of the jobs it parked returned (and forgotten) for the caller to promote.
 * Returns the state instead when the campaign was not paused, or 'missing'.
 */
const RESUME_CAMPAIGN = lua<[campaign: string, parked: string], [now: string], 'missing' | CampaignState | string[]>(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state ~= 'paused' then return state end
local sendAt = tonumber(redis.call('HGET', KEYS[1], 'sendAt') or '')
local notStarted = redis.call('HEXISTS', KEYS[1], 'startedAt') == 0
redis.call('HSET', KEYS[1], 'state', (notStarted and sendAt and sendAt > tonumber(ARGV[1])) and 'scheduled' or 'running')
redis.call('HDEL', KEYS[1], 'pausedBy', 'pauseReason', 'pausedAt')
local parked = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return parked`);

export class CampaignGate {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Asks whether a batch of `campaignId` with `recipients` to send may start now. */
  async enter(campaignId: string, opts: { jobId: string; recipients: number; senderId?: string; senderRate: number; now?: number }): Promise<GateDecision> {
    const senderRate = opts.senderId !== undefined ? opts.senderRate : 0;
    const k = this.keys;
    const reply = await runScript(this.redis, START_BATCH, [k.campaign(campaignId), k.parked(campaignId), k.campaignRate(campaignId), k.senderRate(opts.senderId ?? '')], [
      String(opts.now ?? Date.now()), String(opts.recipients), String(senderRate), opts.jobId,
    ]);
    switch (reply[0]) {
      case 'go':
        return { kind: 'go', state: reply[1] };
      case 'wait':
        return { kind: 'wait', ms: Number(reply[1]) };
      case 'paused':
        return { kind: 'paused' };
      default:
        return { kind: 'missing' };
    }
  }

  /** Resumes a paused campaign; returns the parked job ids to promote, or the state it was in instead. */
  async resume(campaignId: string, now: number): Promise<{ resumed: true; parked: string[] } | { resumed: false; state: 'missing' | CampaignState }> {
    const reply = await runScript(this.redis, RESUME_CAMPAIGN, [this.keys.campaign(campaignId), this.keys.parked(campaignId)], [String(now)]);
    return Array.isArray(reply) ? { resumed: true, parked: reply } : { resumed: false, state: reply };
  }
}
