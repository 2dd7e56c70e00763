import { settledRecipients } from '../webhooks/emitter';
import { queriesOf, type AccountQueries } from '../accounts/account-queries';
import { accountOf, withAccount } from '../accounts/outcome-account';
import type { CampaignRecord } from '../campaign/record';
import { DEFAULT_ACCOUNT } from '../config';
import type { Context } from '../context';
import type { IndexEntry } from '../delivery/msgid-index';
import type { DeliveryReport } from '../delivery/report';
import { SmsqError } from '../errors';
import type { GatewayQueries, SentRecord } from '../gateway/queries';
import { jobIds } from '../redis/keys';
import { DEFAULT_PRIORITY, queueBatches } from '../campaign/lanes';
import { settledCount } from '../batch/outcomes';
import { readSentRecords } from './sent-records';
import type { StoredOutcome } from '../types';

/**
 * What one settling of a campaign did: `smsq settle` returns it, and the automatic settle job logs it.
 * Settling = reading the gateway's own records (getSentRcd) to turn `unknown` recipients into `sent` or `not-sent`.
 */
export interface SettleResult {
  campaignId: string;
  /** Recipients that were `unknown` when settling started. */
  unknown: number;
  /** Found in the gateway's records: now `sent`, with the msgId the gateway gave. */
  sent: number;
  /** Not in the gateway's records although it had SMS_SETTLE_AFTER_MS to record them: now `not-sent`. */
  notSent: number;
  /** Left `unknown`: their call is younger than SMS_SETTLE_AFTER_MS; settle again later. */
  tooRecent: number;
  /** With `resend`: recipients queued again. */
  resent: number;
  /** The time windows of the gateway's records that were read, and how many rows they held. */
  windows: Array<{ start: string; end: string }>;
  recordsRead: number;
  /**
   * Per gateway account, when the unknown recipients' calls went to any account but `default` alone: each is settled
   * from its own account's records. An account whose records could not be read has `error`, and its recipients stay
   * `unknown` (counted in `unknown`, in none of the other totals).
   */
  accounts?: Record<string, AccountSettleResult>;
}

/** One account's part of a settling. */
export interface AccountSettleResult {
  unknown: number;
  sent: number;
  notSent: number;
  tooRecent: number;
  recordsRead: number;
  /** Why its records could not be read (GATEWAY_QUERY_FAILED's message): its recipients stay `unknown`. */
  error?: string;
  /** With `error`: its short name (the gateway's status, `http-<status>`, `transport`, `not-configured`), as metrics label it. */
  failure?: string;
}

/** The gateway's clock and ours may differ, and it records a message a little after our call starts. */
const WINDOW_MARGIN_MS = 5 * 60_000;

interface Unknown {
  batch: number;
  index: number;
  number: string;
  calledAt: number;
}

/** What settling decided, over every account, before anything is written. */
interface Decisions {
  outcomes: Map<number, Map<number, StoredOutcome>>;
  entries: IndexEntry[];
  /** Per account: messages the gateway took and failed (status 2), recorded as their delivery reports. */
  failedAtGateway: Map<string, DeliveryReport[]>;
}

/** Every batch of the campaign has been counted into it: nothing is pending, only `unknown` may be left to settle. */
export function allCounted(rec: CampaignRecord): boolean {
  return settledCount(rec.counts) >= rec.total;
}

/** The resend round whose batches are not all counted yet, if there is one: its jobs are (or must be) queued, nothing to settle. */
export function resendUnderWay(rec: CampaignRecord): number | undefined {
  return rec.state === 'running' && !allCounted(rec) ? rec.resendRound : undefined;
}

/**
 * Settles a campaign's `unknown` recipients from the gateway's own records (getSentRcd): a number the gateway
 * recorded in the window of its call is `sent` with that msgId; one it did not record, once it has had time
 * to, is `not-sent`. Each recipient is settled from the records of the account its call went to (msgIds are unique
 * only within one), and its new outcome names that account. Never resends: see resendNotSent. The caller holds the
 * campaign's settle lock (settle-lock.ts), so `smsq settle` and the automatic settle job never work on one campaign
 * at once. Throws GATEWAY_QUERY_FAILED when no account's records can be read; nothing is changed then. When only
 * some can be, the others' recipients are settled and `accounts` names those that failed (see accountFailure).
 */
export async function settleUnknowns(
  ctx: Context,
  queries: AccountQueries,
  campaignId: string,
  rec: CampaignRecord,
): Promise<SettleResult> {
  const result: SettleResult = { campaignId, unknown: 0, sent: 0, notSent: 0, tooRecent: 0, resent: 0, windows: [], recordsRead: 0 };
  const createdAt = rec.createdAt;
  const byAccount = new Map<string, Unknown[]>();
  for (let k = 0; k < rec.batches; k++) {
    const batch = await ctx.batches.load(campaignId, k);
    if (!batch) continue;
    for (const [index, o] of batch.outcomes) {
      if (o[0] !== 'u') continue;
      const account = accountOf(o) ?? DEFAULT_ACCOUNT;
      const list = byAccount.get(account) ?? [];
      list.push({ batch: k, index, number: batch.recipients[index].number, calledAt: o[3] ?? createdAt });
      byAccount.set(account, list);
      result.unknown++;
    }
  }
  if (result.unknown === 0) return result;
  const decided: Decisions = { outcomes: new Map(), entries: [], failedAtGateway: new Map() };
  const accounts: Record<string, AccountSettleResult> = {};
  const failures: SmsqError[] = [];
  for (const [account, unknowns] of byAccount) {
    const part: AccountSettleResult = { unknown: unknowns.length, sent: 0, notSent: 0, tooRecent: 0, recordsRead: 0 };
    accounts[account] = part;
    try {
      const q = queriesOf(queries, account);
      if (!q)
        throw new SmsqError(
          'GATEWAY_QUERY_FAILED',
          `gateway account "${account}" is not configured, so its records cannot be read; nothing of it was changed. Configure it (SMS_ACCOUNTS) and settle again.`,
          { failure: 'not-configured' },
        );
      await settleFromRecords(ctx, q, account, campaignId, unknowns, result, part, decided);
    } catch (err) {
      if (!(err instanceof SmsqError) || err.code !== 'GATEWAY_QUERY_FAILED') throw err;
      part.error = err.message;
      part.failure = String(err.details?.failure ?? 'other');
      failures.push(byAccount.size > 1 ? new SmsqError(err.code, `account ${account}: ${err.message}`, { ...err.details, account }) : err);
    }
  }
  // No account's records could be read: nothing changes, as when there was one account.
  if (failures.length === byAccount.size) throw failures.length === 1 ? failures[0] : joinedFailure(failures);
  if (byAccount.size > 1 || !byAccount.has(DEFAULT_ACCOUNT)) result.accounts = accounts;
  for (const part of Object.values(accounts)) {
    result.sent += part.sent;
    result.notSent += part.notSent;
    result.tooRecent += part.tooRecent;
  }
  await applyDecisions(ctx, campaignId, decided);
  return result;
}

/**
 * The accounts whose records a settling could not read, as one GATEWAY_QUERY_FAILED naming each (their recipients
 * stay `unknown`); null when every account's were read.
 */
export function accountFailure(result: SettleResult): SmsqError | null {
  const failed = Object.entries(result.accounts ?? {}).filter(([, a]) => a.error !== undefined);
  if (failed.length === 0) return null;
  return joinedFailure(
    failed.map(([account, a]) => new SmsqError('GATEWAY_QUERY_FAILED', `account ${account}: ${a.error}`, { account, failure: a.failure })),
  );
}

function joinedFailure(failures: SmsqError[]): SmsqError {
  return new SmsqError('GATEWAY_QUERY_FAILED', failures.map((f) => f.message).join('; '), {
    failure: failures[0].details?.failure ?? 'other',
    accounts: failures.map((f) => f.details?.account),
  });
}

/** Decides, from `account`'s own records, what each of its unknown recipients is; nothing is written here. */
async function settleFromRecords(
  ctx: Context,
  queries: GatewayQueries,
  account: string,
  campaignId: string,
  unknowns: Unknown[],
  result: SettleResult,
  part: AccountSettleResult,
  decided: Decisions,
): Promise<void> {
  const now = Date.now();
  const wanted = new Set(unknowns.map((u) => u.number));
  const candidates = new Map<string, SentRecord[]>();
  const span = spanOf(unknowns, now);
  const read = await readSentRecords(queries, span.start, span.end, (rows) => {
    for (const r of rows) {
      const number = r.number.replace(/\D/g, '');
      if (wanted.has(number)) candidates.set(number, [...(candidates.get(number) ?? []), r]);
    }
  });
  result.windows.push(...read.windows);
  result.recordsRead += read.recordsRead;
  part.recordsRead = read.recordsRead;
  // A msgId of this account we already know belongs to a recipient of ours that was sent (this campaign or another): not a candidate.
  const all = [...candidates.values()].flat();
  const known = await ctx.delivery.index.lookup(
    all.map((r) => r.msgId),
    account,
  );
  const taken = new Set(all.filter((_, i) => known[i] !== null).map((r) => r.msgId));
  const named = account === DEFAULT_ACCOUNT ? {} : { account };
  const failedAtGateway = decided.failedAtGateway.get(account) ?? [];
  const settleMs = ctx.config.settling.settleAfterMs;
  for (const u of unknowns) {
    const pick = nearest(
      (candidates.get(u.number) ?? []).filter((r) => !taken.has(r.msgId)),
      u.calledAt,
    );
    let outcome: StoredOutcome | null = null;
    if (pick) {
      taken.add(pick.msgId);
      outcome = withAccount(['s', pick.msgId], account);
      decided.entries.push({
        msgId: pick.msgId,
        campaignId,
        batch: u.batch,
        index: u.index,
        number: u.number,
        sentAt: pick.receiveTime ?? u.calledAt,
        ...named,
      });
      // Status 2: the gateway took it but failed it; it was sent, and it was not delivered.
      if (pick.rawStatus === '2')
        failedAtGateway.push({ msgId: pick.msgId, state: 'x', at: pick.receiveTime ?? now, code: '2', reason: 'failed (getSentRcd)' });
      part.sent++;
    } else if (now - u.calledAt >= settleMs) {
      outcome = withAccount(
        ['n', `not in the gateway's sent records (getSentRcd) for the time of its call, ${new Date(u.calledAt).toISOString()}`],
        account,
      );
      part.notSent++;
    } else part.tooRecent++;
    if (outcome) {
      const forBatch = decided.outcomes.get(u.batch) ?? new Map<number, StoredOutcome>();
      forBatch.set(u.index, outcome);
      decided.outcomes.set(u.batch, forBatch);
    }
  }
  if (failedAtGateway.length > 0) decided.failedAtGateway.set(account, failedAtGateway);
}

/** Writes what settling decided: the new outcomes batch by batch, the msgIds found, the failures the records showed. */
async function applyDecisions(ctx: Context, campaignId: string, decided: Decisions): Promise<void> {
  for (const [batch, o] of decided.outcomes) {
    if ((await ctx.batches.reconcile(campaignId, batch, o)) === 0) continue;
    // The batch's outcomes changed after its recipients.settled: a later one (higher seq) supersedes it.
    const record = await ctx.batches.load(campaignId, batch);
    if (record)
      await ctx.webhooks.emit(campaignId, 'recipients.settled', {
        batch,
        recipients: settledRecipients(record.recipients, record.outcomes),
      });
  }
  await ctx.delivery.indexEntries(decided.entries);
  for (const [account, reports] of decided.failedAtGateway) await ctx.delivery.record(reports, 'poll', account);
}

/** The record of the number closest in time to our call. */
function nearest(records: SentRecord[], calledAt: number): SentRecord | undefined {
  let best: SentRecord | undefined;
  for (const r of records) {
    if (!best || Math.abs((r.receiveTime ?? calledAt) - calledAt) < Math.abs((best.receiveTime ?? calledAt) - calledAt)) best = r;
  }
  return best;
}

/** The span of the unknown calls, with margins, up to now; readSentRecords cuts it into windows getSentRcd accepts. */
function spanOf(unknowns: Unknown[], now: number): { start: number; end: number } {
  let first = Infinity;
  let last = -Infinity;
  for (const u of unknowns) {
    first = Math.min(first, u.calledAt);
    last = Math.max(last, u.calledAt);
  }
  return { start: first - WINDOW_MARGIN_MS, end: Math.min(now, last + WINDOW_MARGIN_MS) };
}

/** Makes every `not-sent` recipient pending again and queues its batch; returns how many. */
export async function resendNotSent(ctx: Context, campaignId: string, batches: number): Promise<number> {
  // Counted batches hold every `not-sent` outcome (settling runs once all are counted): none, no new round.
  if (((await ctx.campaigns.read(campaignId))?.counts.notSent ?? 0) === 0) return 0;
  const round = await ctx.campaigns.startResendRound(campaignId);
  let reopened = 0;
  for (let k = 0; k < batches; k++) reopened += await ctx.batches.reopen(campaignId, k, round);
  if (reopened > 0) {
    await queueReopened(ctx, campaignId, batches, round);
    ctx.log.info({ campaignId, reopened, round }, 'not-sent recipients queued again');
  }
  return reopened;
}

/** Adds the resend round's job for every batch not finished; job ids make a second call add nothing. */
export async function queueReopened(ctx: Context, campaignId: string, batches: number, round: number): Promise<void> {
  const p = ctx.redis.pipeline();
  for (let k = 0; k < batches; k++) p.hget(ctx.keys.batch(campaignId, k), 'st');
  const states = (await p.exec()) ?? [];
  const open = states.flatMap(([, st], k) => (st === 'done' ? [] : [k]));
  const priority = (await ctx.campaigns.read(campaignId))?.priority ?? DEFAULT_PRIORITY;
  await queueBatches(ctx, campaignId, open, priority, (k) => jobIds.resend(campaignId, k, round));
}
