/**
 * What the console shows beside a campaign's counts: its progress series, its batches at work, a per-campaign
 * pause (issue 10's fields, when recorded) and, for the whole queue, a pause, an account-level stop and the
 * workers connected. Read on every poll: a few small reads, whatever the campaign's size. A tracked campaign's clicks
 * over time are one read more, of a hash as long as the minutes it was clicked in: the page asks for them (?clicks=true)
 * when its clicks change, not on every poll.
 */
import { accountStopJson, campaignJson, isoTime, type CampaignJson } from '../../shared/campaign/json';
import { readSeries, type SeriesSample } from '../../shared/campaign/series';
import type { Context } from '../../shared/context';
import { readAccountStop } from '../../shared/campaign/sending-control';
import { workerCount, type Producer } from '../../producer';
import { failedBatchJobs, stallOf, type FailedBatchJobs, type Stall } from './stall';
import { bucketClicks, type ClickSeries } from './click-series';

export interface QueueStatus {
  /** Sending stopped for the whole queue (smsq pause, or an account-level stop). */
  paused: boolean;
  accountStop: ReturnType<typeof accountStopJson> | null;
  /** Workers connected to the batch queue; null where Redis will not say. */
  workers: number | null;
}

export interface CampaignOverview {
  campaign: CampaignJson;
  series: SeriesSample[];
  batches: {
    /** This campaign's batch jobs a worker holds now. */
    inFlight: number;
    /** Batches still to send, besides those in flight (from the recipients still pending). */
    waiting: number;
  };
  /** Set while the campaign itself is paused (src/producer pauseCampaign, issue 10). */
  pause?: { by?: string; reason?: string; at?: string };
  queue: QueueStatus;
  /** Its batch jobs that failed for good: their recipients stay pending until a job is retried. */
  failedJobs: FailedBatchJobs;
  /** Set when it should be sending and has not moved for a while: since when, and what is known to hold it. */
  stalled?: { since: string; reasons: string[] };
  /** With ?clicks=true, for a campaign with tracked links: its clicks over time. */
  clicks?: ClickSeries;
}

/** GET /console/api/campaigns/:id/overview's query. */
export const overviewQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    clicks: { type: 'string', enum: ['true', 'false'], description: "true: a tracked campaign's clicks over time too." },
  },
} as const;

/** Active jobs looked at for in-flight batches: every worker's concurrency together stays well below this. */
const ACTIVE_SCAN = 1_000;

export async function queueStatus(ctx: Context): Promise<QueueStatus> {
  const [paused, stop, workers] = await Promise.all([ctx.queues.batches.isPaused(), readAccountStop(ctx), workerCount(ctx)]);
  return { paused, accountStop: stop && accountStopJson(stop), workers };
}

/**
 * `producer` is the caller's view and `campaignId` the id as the caller sees it; the records are read under
 * `storedId` (a tenant's campaign is stored with its tenant's prefix, see tenants/campaign-owner.ts).
 */
export async function campaignOverview(
  ctx: Context,
  producer: Producer,
  id: string,
  storedId: string,
  opts: { clicks?: boolean } = {},
): Promise<CampaignOverview> {
  const info = await producer.getCampaign(id);
  const campaignId = storedId;
  const [series, active, record, queue, failedJobs, perMinute] = await Promise.all([
    readSeries(ctx.redis, ctx.keys, campaignId),
    ctx.queues.batches.getActive(0, ACTIVE_SCAN - 1),
    ctx.campaigns.show(campaignId),
    queueStatus(ctx),
    failedBatchJobs(ctx, campaignId),
    opts.clicks && info.links ? ctx.links.clicksPerMinute(campaignId) : undefined,
  ]);
  const inFlight = active.filter((job) => job?.data.campaignId === campaignId).length;
  const stall: Stall | undefined = stallOf(ctx.clock.now(), record, info.counts.pending, series.at(-1)?.at, failedJobs, queue);
  const batchSize = info.counts.total > 0 && info.batches > 0 ? Math.ceil(info.counts.total / info.batches) : 1;
  return {
    campaign: campaignJson(info),
    series,
    batches: { inFlight, waiting: Math.max(0, Math.ceil(info.counts.pending / batchSize) - inFlight) },
    ...(record?.pausedBy || record?.pausedAt
      ? { pause: { by: record.pausedBy, reason: record.pauseReason, at: record.pausedAt ? isoTime(record.pausedAt) : undefined } }
      : {}),
    queue,
    failedJobs,
    ...(stall ? { stalled: { since: isoTime(stall.since), reasons: stall.reasons } } : {}),
    ...(perMinute ? { clicks: bucketClicks(perMinute, ctx.clock.now()) } : {}),
  };
}
