/**
 * Listing campaigns, newest first, a page at a time, from the campaign index (shared/campaign/list.ts). Filters
 * by state and priority are applied to the campaigns read, so a page may read more entries than it returns; an
 * entry whose campaign has expired is dropped from the index on the way.
 */
import type { Context } from '../../shared/context';
import { SmsqError } from '../../shared/errors';
import type { IndexPosition } from '../../shared/campaign/list';
import { ownerOf } from '../../shared/tenants/campaign-owner';
import { UnreadableRecordError } from '../../shared/campaign/record';
import { isShowableTime } from '../../shared/time/stored-time';
import type { CampaignInfo, ShownState } from '../../shared/types';

export interface ListOptions {
  /** Only campaigns shown in this state (`running` leaves out those shown as `waiting-window`). */
  state?: ShownState;
  priority?: CampaignInfo['priority'];
  /** Only this tenant's campaigns (tenants/campaign-owner.ts). */
  tenant?: string;
  /** Only campaigns created at or after this time (epoch ms). */
  since?: number;
  /** Campaigns per page, 1 to MAX_PAGE; default 50. */
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

export interface CampaignPage {
  campaigns: CampaignInfo[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next?: string;
}

export const MAX_PAGE = 500;
/** Index entries read per round while filling a filtered page. */
const READ_AHEAD = 200;

export async function listCampaigns(ctx: Context, opts: ListOptions = {}): Promise<CampaignPage> {
  const limit = opts.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw invalid(`limit must be a whole number from 1 to ${MAX_PAGE}; it is ${limit}`);
  if (opts.since !== undefined && !isShowableTime(opts.since))
    throw invalid(`since must be a time in ms since the epoch; it is ${opts.since}`);
  let after = opts.cursor === undefined ? undefined : parseCursor(opts.cursor);
  const queuePaused = await ctx.queues.batches.isPaused();
  const campaigns: CampaignInfo[] = [];
  for (;;) {
    const want = opts.state || opts.priority || opts.tenant !== undefined ? READ_AHEAD : limit - campaigns.length + 1;
    const entries = await ctx.campaignIndex.page(want, opts.since ?? 0, after);
    // Another tenant's campaigns are not even read.
    const mine = (id: string) => opts.tenant === undefined || ownerOf(id).tenant === opts.tenant;
    const infos = await Promise.all(
      entries.map((e) => (mine(e.campaignId) ? readListed(ctx, e.campaignId, queuePaused) : Promise.resolve(SKIPPED))),
    );
    await ctx.campaignIndex.remove(entries.filter((_, i) => infos[i] === null).map((e) => e.campaignId));
    for (let i = 0; i < entries.length; i++) {
      const info = infos[i];
      if (
        info &&
        info !== UNREADABLE &&
        info !== SKIPPED &&
        (!opts.state || info.state === opts.state) &&
        (!opts.priority || info.priority === opts.priority)
      ) {
        // One more than a page tells whether there is a next page without a second round trip.
        if (campaigns.length === limit) return { campaigns, next: cursorOf(campaigns[limit - 1]) };
        campaigns.push(info);
      }
      after = entries[i];
    }
    if (entries.length < want) return { campaigns };
  }
}

const UNREADABLE = Symbol('unreadable');
const SKIPPED = Symbol('another tenant');

/**
 * One campaign of a page, or UNREADABLE when its record cannot be understood at all (a state no version writes):
 * that campaign is left out of the list, and logged, rather than failing the whole list for everyone. It stays in
 * the index: `smsq status` on it still says what is wrong.
 */
async function readListed(ctx: Context, campaignId: string, queuePaused: boolean): Promise<CampaignInfo | null | typeof UNREADABLE> {
  try {
    return await ctx.campaigns.info(campaignId, queuePaused);
  } catch (err) {
    if (!(err instanceof UnreadableRecordError)) throw err;
    ctx.log.warn({ campaignId, err: err.message }, 'campaign left out of the list: its record cannot be read');
    return UNREADABLE;
  }
}

function cursorOf(info: CampaignInfo): string {
  return Buffer.from(`${info.createdAt}.${info.campaignId}`).toString('base64url');
}

function parseCursor(cursor: string): IndexPosition {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const dot = raw.indexOf('.');
  const createdAt = Number(raw.slice(0, dot));
  if (dot < 1 || !Number.isFinite(createdAt)) throw invalid('cursor is not one this server gave out; start again without it');
  return { createdAt, campaignId: raw.slice(dot + 1) };
}

function invalid(message: string): SmsqError {
  return new SmsqError('VALIDATION_FAILED', message, { fields: { list: message } });
}
