import { queriesOf, queryAccounts, type AccountQueries } from '../shared/accounts/account-queries';
import { withAccount } from '../shared/accounts/outcome-account';
import type { Context } from '../shared/context';
import { SmsqError } from '../shared/errors';
import { parseIsoWithOffset } from '../shared/gateway/gateway-time';
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
 * counts, whichever campaign (and whichever gateway account) sent it: every account's records are read. That errs towards not sending (a number that got another campaign's text in
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
  queries: () => AccountQueries,
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

/** The msgIds each gateway account recorded per number (digits only) over a span; each serves one recipient. */
export class GatewaySent {
  /** Per account, in the configuration's order: number → msgIds. */
  private readonly byAccount = new Map<string, Map<string, string[]>>();
  recordsRead = 0;

  /**
   * Reads every account's submissions from `since` to now; GATEWAY_QUERY_FAILED (nothing queued) when any account's
   * cannot be read: a recovery that missed one account's records could send its recipients twice.
   */
  static async read(queries: AccountQueries, since: number, now: number): Promise<GatewaySent> {
    const sent = new GatewaySent();
    const accounts = queryAccounts(queries);
    for (const account of accounts) {
      const q = queriesOf(queries, account);
      if (!q) continue;
      const byNumber = new Map<string, string[]>();
      sent.byAccount.set(account, byNumber);
      try {
        const read = await readSentRecords(q, since, now, (rows) => {
          for (const r of rows) {
            const number = r.number.replace(/\D/g, '');
            const ids = byNumber.get(number);
            if (ids) ids.push(r.msgId);
            else byNumber.set(number, [r.msgId]);
          }
        });
        sent.recordsRead += read.recordsRead;
      } catch (err) {
        if (accounts.length === 1 || !(err instanceof SmsqError)) throw err;
        throw new SmsqError(err.code, `account ${account}: ${err.message}`, { ...err.details, account });
      }
    }
    return sent;
  }

  /**
   * One msgId recorded for the number, and the account that recorded it, taken so that no other recipient gets it;
   * undefined when none is left.
   */
  take(number: string): { msgId: string; account: string } | undefined {
    for (const [account, byNumber] of this.byAccount) {
      const msgId = byNumber.get(number)?.shift();
      if (msgId !== undefined) return { msgId, account };
    }
    return undefined;
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
      const found = sent.take(r.number);
      if (found) outcomes.set(i, withAccount(['s', found.msgId, RECOVERED_REASON], found.account));
    });
    if (outcomes.size === 0) continue;
    const stored = await ctx.batches.settle(campaignId, k, outcomes);
    // Uncommitted, the batch has no job: no call can be in flight on it.
    if (!stored.ok) throw new Error(`campaign ${campaignId}: batch ${k} had a call in flight before it was queued`);
    found += outcomes.size;
  }
  return found;
}
