import { fromStates, LIFECYCLE } from './lifecycle';
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

/** The gate a batch passes before it sends (scripts/start-batch.lua): pause, schedule and rate caps. */
const START_BATCH = lua<
  [campaign: string, parked: string, campaignRate: string, senderRate: string],
  [now: string, recipients: string, senderRate: string, jobId: string],
  [go: 'go', state: CampaignState] | [wait: 'wait', ms: string] | ['paused'] | ['missing']
>('start-batch');

/** Resumes a paused campaign and hands back the jobs it parked (scripts/resume-campaign.lua). */
const RESUME_CAMPAIGN = lua<[campaign: string, parked: string], [now: string, resumeFrom: string], 'missing' | CampaignState | string[]>(
  'resume-campaign',
);

export class CampaignGate {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Asks whether a batch of `campaignId` with `recipients` to send may start now. */
  async enter(
    campaignId: string,
    opts: { jobId: string; recipients: number; senderId?: string; senderRate: number; now?: number },
  ): Promise<GateDecision> {
    const senderRate = opts.senderId !== undefined ? opts.senderRate : 0;
    const k = this.keys;
    const reply = await runScript(
      this.redis,
      START_BATCH,
      [k.campaign(campaignId), k.parked(campaignId), k.campaignRate(campaignId), k.senderRate(opts.senderId ?? '')],
      [String(opts.now ?? Date.now()), String(opts.recipients), String(senderRate), opts.jobId],
    );
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
  async resume(
    campaignId: string,
    now: number,
  ): Promise<{ resumed: true; parked: string[] } | { resumed: false; state: 'missing' | CampaignState }> {
    const reply = await runScript(
      this.redis,
      RESUME_CAMPAIGN,
      [this.keys.campaign(campaignId), this.keys.parked(campaignId)],
      [String(now), fromStates(LIFECYCLE.resume)],
    );
    return Array.isArray(reply) ? { resumed: true, parked: reply } : { resumed: false, state: reply };
  }
}
