import type { Context } from '../shared/context';
import { SmsqError } from '../shared/errors';
import { parseIsoWithOffset } from '../shared/gateway/gateway-time';
import type { GatewayQueries } from '../shared/gateway/queries';
import { SENT_RCD_HISTORY_MS } from '../shared/gateway/query-limits';
import { readSentRecords } from '../shared/settling/sent-records';
import type { StoredOutcome } from '../shared/types';
import { enqueueCampaign, type EnqueueOptions, type EnqueueResult } from './enqueue';

/**
 * Recovery of a campaign whose Redis lost it (a Redis without persistence restarted, or restored from an old
 * copy): queued again with `recoverSince`, every recipient whose number the gateway's own records (getSentRcd)
 * show since then is recorded `sent` with that msgId, and only the others are sent.
 *
 * getSentRcd's rows carry a number, a msgId and a time, not the text: any message to the number in that span
 * counts, whichever campaign sent it. That errs towards not sending (a number that got another campaign's text in
 * the span is left out, and said so in its result), never towards sending twice.
 */
export const RECOVERED_REASON =
  "found in the gateway's records (getSentRcd) when the campaign was queued again to recover it: not sent again";

/**
 * enqueueCampaign with recovery: the rows are staged whole (a file is read once), and just before the campaign is
 * committed — validated, staged, no batch started — the gateway's records from `recoverSince` to now are read and
 * the recipients found there recorded `sent`. A campaign id whose record survived is a plain repeat: nothing read,
 * nothing recovered. `recovered` says how many were found (only when the campaign was created).
 */
export async function enqueueRecovering(
  ctx: Context,
  queries: () => GatewayQueries,
  recoverSince: unknown,
  opts: EnqueueOptions,
): Promise<EnqueueResult & { recovered?: number }> {
  const since = checkRecoverSince(recoverSince, Date.now());
  if (typeof since === 'string') throw new SmsqError('VALIDATION_FAILED', `recoverSince: ${since}`, { fields: { recoverSince: since } });
  const gateway = queries();
  let recovered = 0;
  const { rows, beforeCommit } = opts;
  const result = await enqueueCampaign(ctx, {
    ...opts,
    // Read once, so that every batch is in Redis, and its recovered recipients recorded, before any batch can start.
    rows: typeof rows === 'function' ? rows() : rows,
    beforeCommit: async (total, staged) => {
      // Read last, as late as can be: a call in flight when Redis was lost has had the longest to be recorded.
      const sent = await GatewaySent.read(gateway, since, Date.now());
      recovered = await settleRecovered(ctx, staged.campaignId, staged.batches, sent);
      ctx.log.info(
        { campaignId: staged.campaignId, recovered, recordsRead: sent.recordsRead, since: new Date(since).toISOString() },
        "campaign recovered: recipients in the gateway's records are not sent again",
      );
      return beforeCommit?.(total - recovered, staged);
    },
  });
  return result.created ? { ...result, recovered } : result;
}

/** Checks `recoverSince` at the edge: a time in the past, within the 90 days getSentRcd reaches back. */
export function checkRecoverSince(value: unknown, now: number): number | string {
  const at = value instanceof Date ? value.getTime() : typeof value === 'string' ? parseIsoWithOffset(value.trim()) : null;
  if (at === null || !Number.isFinite(at))
    return 'must be an ISO 8601 time with seconds and an offset, e.g. 2026-05-01T09:00:00+01:00, or a Date';
  if (at > now) return 'is in the future: give when the lost campaign started sending';
  if (at < now - SENT_RCD_HISTORY_MS + 60_000)
    return "is more than 90 days ago, further back than the gateway's records (getSentRcd) reach";
  return at;
}

/** The msgIds the gateway recorded per number (digits only) over a span; each serves one recipient. */
export class GatewaySent {
  private readonly byNumber = new Map<string, string[]>();
  recordsRead = 0;

  /** Reads every submission from `since` to now; GATEWAY_QUERY_FAILED (nothing queued) when it cannot. */
  static async read(queries: GatewayQueries, since: number, now: number): Promise<GatewaySent> {
    const sent = new GatewaySent();
    const read = await readSentRecords(queries, since, now, (rows) => {
      for (const r of rows) {
        const number = r.number.replace(/\D/g, '');
        const ids = sent.byNumber.get(number);
        if (ids) ids.push(r.msgId);
        else sent.byNumber.set(number, [r.msgId]);
      }
    });
    sent.recordsRead = read.recordsRead;
    return sent;
  }

  /** One msgId recorded for the number, taken so that no other recipient gets it; undefined when none is left. */
  take(number: string): string | undefined {
    return this.byNumber.get(number)?.shift();
  }
}

/**
 * Records `sent` (with the gateway's msgId and RECOVERED_REASON) for every recipient of the campaign's staged
 * batches whose number the gateway has; run before the campaign is committed, so no worker sees those batches yet.
 * Workers then skip them like any recipient with an outcome, count them when the batch ends and index their
 * msgIds for delivery reports. Returns how many were found.
 */
export async function settleRecovered(ctx: Context, campaignId: string, batches: number, sent: GatewaySent): Promise<number> {
  let found = 0;
  for (let k = 0; k < batches; k++) {
    const record = await ctx.batches.load(campaignId, k);
    if (!record) continue;
    const outcomes = new Map<number, StoredOutcome>();
    record.recipients.forEach((r, i) => {
      const msgId = sent.take(r.number);
      if (msgId !== undefined) outcomes.set(i, ['s', msgId, RECOVERED_REASON]);
    });
    if (outcomes.size === 0) continue;
    const stored = await ctx.batches.settle(campaignId, k, outcomes);
    // Uncommitted, the batch has no job: no call can be in flight on it.
    if (!stored.ok) throw new Error(`campaign ${campaignId}: batch ${k} had a call in flight before it was queued`);
    found += outcomes.size;
  }
  return found;
}
