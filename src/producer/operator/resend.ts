/**
 * Resending to the failed: a new campaign, linked to the first by `parentId`, holding exactly the first campaign's
 * recipients whose result is in the statuses asked for — each with its orderId and fields — and the first
 * campaign's settings. A recipient the gateway accepted is never among them (`sent` is not a status one may ask
 * for; `undelivered` is a sent message whose delivery report said so), and `unknown` is refused: its message may
 * have gone out. Those suppressed or capped now are left out and counted (resend-filter.ts).
 */
import type { Context } from '../../shared/context';
import { SmsqError } from '../../shared/errors';
import type { CampaignRecord } from '../../shared/campaign/record';
import type { RawRow } from '../read-recipients';
import { enqueueCampaign, type EnqueueOptions, type EnqueueResult } from '../enqueue';
import { notFound } from './campaign-admin';
import { resendIds } from './resend-id';
import { LeftOut, type LeftOutCounts } from './resend-filter';
import type { RecipientResult } from '../../shared/types';

/** What a resend may pick by: the result's status, `undelivered` standing for a sent message reported undelivered. */
export const RESEND_STATUSES = ['failed', 'expired', 'undelivered', 'not-sent', 'cancelled'] as const;
export type ResendStatus = (typeof RESEND_STATUSES)[number];
export const DEFAULT_RESEND_STATUSES: readonly ResendStatus[] = ['failed', 'expired', 'undelivered', 'not-sent'];

export interface ResendOptions {
  /** Which recipients: those whose result is one of these. Default `failed`, `expired`, `undelivered`, `not-sent`. */
  status?: readonly string[];
  /** The new campaign's text (or template, filled from the same fields); default the first campaign's. */
  content?: string;
  /** The new campaign's id; default `<id>-resend` (`-resend-2`, … for a resend of a resend, or when taken). */
  campaignId?: string;
  /** As enqueueCampaign's: runs just before the new campaign is committed (a tenant's daily reservation). */
  beforeCommit?: EnqueueOptions['beforeCommit'];
}

export interface ResendResult extends EnqueueResult {
  /** The campaign resent to. */
  parentId: string;
  /** Its recipients whose status was asked for, before those left out. */
  matched: number;
  /** Of those, left out: on the suppression list now, or at the frequency cap now. */
  leftOut: LeftOutCounts;
}

/** Campaign ids tried when the default one is taken by another list (one that is not this same resend). */
const MAX_ID_TRIES = 20;

/**
 * Queues the resend. Idempotent as an enqueue is: the same resend again (same id, same recipients and content)
 * answers `created: false` and queues nothing. NOTHING_TO_RESEND when no recipient is left to send to.
 */
export async function resendCampaign(ctx: Context, parentId: string, opts: ResendOptions = {}): Promise<ResendResult> {
  const statuses = checkStatuses(opts.status);
  const parent = await readParent(ctx, parentId);
  const ids = opts.campaignId === undefined ? resendIds(parentId, MAX_ID_TRIES) : [opts.campaignId];
  for (const [i, campaignId] of ids.entries()) {
    const leftOut = new LeftOut(ctx, campaignId, parent);
    let matched = 0;
    const rows = async function* (): AsyncGenerator<RawRow> {
      for await (const r of pick(ctx, parentId, parent, statuses, leftOut)) {
        matched++;
        if (r) yield r;
      }
    };
    try {
      const result = await enqueueCampaign(ctx, { ...settingsOf(parent, opts), campaignId, parentId, rows: rows() });
      // Its not-sent recipients are this campaign's now: the first campaign's `settle --resend` must not text them too.
      if (statuses.has('not-sent') && result.total > 0) await ctx.redis.hset(ctx.keys.campaign(parentId), 'notSentResentBy', campaignId);
      ctx.log.info({ campaignId, parentId, total: result.total, created: result.created }, 'campaign resent');
      return { ...result, parentId, matched, leftOut: leftOut.counts };
    } catch (err) {
      if (!(err instanceof SmsqError)) throw err;
      // The default id taken by another list: the next one (an id given is the caller's to change).
      if (err.code === 'CAMPAIGN_CONFLICT' && i < ids.length - 1) continue;
      if (err.code === 'CAMPAIGN_EMPTY') throw nothingToResend(parentId, statuses, matched, leftOut.counts);
      throw err;
    }
  }
  throw new SmsqError('CAMPAIGN_CONFLICT', `The resend ids of campaign ${parentId} are all taken; give one with campaignId.`);
}

/** The statuses asked for, checked at the edge; `unknown` refused with the reason. */
function checkStatuses(given: readonly string[] | undefined): ReadonlySet<ResendStatus> {
  if (given === undefined) return new Set(DEFAULT_RESEND_STATUSES);
  const problem = (why: string) => new SmsqError('VALIDATION_FAILED', `status: ${why}`, { fields: { status: why } });
  if (!Array.isArray(given) || given.length === 0) throw problem(`give one or more of ${RESEND_STATUSES.join(', ')}`);
  if (given.length > 2 * RESEND_STATUSES.length) throw problem(`at most ${2 * RESEND_STATUSES.length} statuses`);
  for (const s of given) {
    if (s === 'unknown')
      throw problem(
        'unknown recipients are never resent: their message may have reached the gateway and been sent; settle them first (smsq settle), and resend those that end not-sent',
      );
    if (typeof s !== 'string' || !(RESEND_STATUSES as readonly string[]).includes(s))
      throw problem(`${JSON.stringify(s).slice(0, 40)} is not one of ${RESEND_STATUSES.join(', ')}`);
  }
  return new Set(given as ResendStatus[]);
}

/** The first campaign, to resend from: it must have ended, or its own settling could still resend the same recipients. */
async function readParent(ctx: Context, parentId: string): Promise<CampaignRecord> {
  const parent = await ctx.campaigns.read(parentId);
  if (!parent) throw notFound(parentId);
  if (parent.state !== 'completed' && parent.state !== 'cancelled' && parent.state !== 'failed')
    throw new SmsqError(
      'CAMPAIGN_ACTIVE',
      `Campaign ${parentId} is ${parent.state}: resend it once it has ended (smsq wait ${parentId}), so that nobody is sent twice.`,
    );
  return parent;
}

/** The status a resend picks a result by; null for one it never picks (sent and not reported undelivered, unknown, …). */
function resendStatusOf(r: RecipientResult): ResendStatus | null {
  if (r.status === 'sent') return r.delivery === 'undelivered' ? 'undelivered' : null;
  return (RESEND_STATUSES as readonly string[]).includes(r.status) ? (r.status as ResendStatus) : null;
}

/**
 * The first campaign's matching recipients, batch by batch (bounded memory), as rows for the enqueue: each with
 * its orderId and fields by name. A generated orderId (`smsq-<row>`) is kept by giving the row its number and no
 * orderId. Yields null for a recipient left out (counted by `leftOut`).
 */
async function* pick(
  ctx: Context,
  parentId: string,
  parent: CampaignRecord,
  statuses: ReadonlySet<ResendStatus>,
  leftOut: LeftOut,
): AsyncGenerator<RawRow | null> {
  const fields = parent.template?.fields ?? [];
  let position = 0;
  for (let k = 0; k < parent.batches; k++) {
    const read = await ctx.campaigns.batchResults(parentId, k);
    if (!read) continue;
    const chosen = read.recipients.filter((_, i) => {
      const s = resendStatusOf(read.results[i]);
      return s !== null && statuses.has(s);
    });
    const out = await leftOut.among(chosen.map((r) => r.number));
    for (const r of chosen) {
      position++;
      if (out.has(r.number)) {
        yield null;
        continue;
      }
      const values = r.values;
      const generated = /^smsq-(\d{1,15})$/.exec(r.orderId);
      yield {
        row: generated ? Number(generated[1]) : position,
        input: {
          number: r.number,
          ...(generated ? {} : { orderId: r.orderId }),
          // An empty value was a missing field (its fallback filled it): left missing again.
          ...(values && fields.length > 0
            ? { fields: Object.fromEntries(fields.flatMap((f, j) => (values[j] ? [[f, values[j]]] : []))) }
            : {}),
          ...(r.zone !== undefined ? { timezone: r.zone } : {}),
        },
      };
    }
  }
}

/** The first campaign's settings, as the new campaign's enqueue options. Its schedule, validity, budget and canary are its own. */
function settingsOf(parent: CampaignRecord, opts: ResendOptions): Omit<EnqueueOptions, 'rows'> {
  return {
    content: opts.content ?? parent.content,
    priority: parent.priority,
    ...(parent.senderId !== undefined ? { senderId: parent.senderId } : {}),
    ...(parent.accounts ? { accounts: parent.accounts } : {}),
    ...(parent.maxRate !== undefined ? { maxRate: parent.maxRate } : {}),
    ...(parent.window ? { window: parent.window.spec } : {}),
    ...(parent.timezone !== undefined ? { timezone: parent.timezone } : {}),
    ...(parent.linkBase !== undefined ? { trackLinks: true } : {}),
    ...(parent.callbackUrl !== undefined ? { callbackUrl: parent.callbackUrl } : {}),
    ...(parent.ignoreFrequencyCap ? { ignoreFrequencyCap: true } : {}),
    ...(opts.beforeCommit ? { beforeCommit: opts.beforeCommit } : {}),
  };
}

function nothingToResend(parentId: string, statuses: ReadonlySet<ResendStatus>, matched: number, left: LeftOutCounts): SmsqError {
  const which = [...statuses].join(', ');
  const why =
    matched === 0
      ? `no recipient of campaign ${parentId} is ${which}`
      : `all ${matched} recipients of campaign ${parentId} that are ${which} are left out (${left.suppressed} suppressed, ${left.capped} at the frequency cap)`;
  return new SmsqError('NOTHING_TO_RESEND', `Nothing to resend: ${why}. No campaign was created.`, { parentId, matched, ...left });
}
