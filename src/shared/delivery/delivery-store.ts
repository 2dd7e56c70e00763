import { SMSQ_ACTOR, type AuditLog } from '../audit/audit-log';
import { ownerOf } from '../tenants/campaign-owner';
import { accountOf } from '../accounts/outcome-account';
import { DEFAULT_ACCOUNT, type Config } from '../config';
import type { Keys } from '../redis/keys';
import type { Logger } from '../logger';
import { runScript } from '../redis/lua';
import { countReport, metrics, type ReportSource } from '../metrics';
import type { RedisClient } from '../redis/connection';
import { parseOutcomes } from '../batch/store';
import { pauseOverBudget } from '../campaign/budget';
import type { CampaignStore } from '../campaign/store';
import { decodeRecipients } from '../recipient/codec';
import type { Recipient, StoredOutcome } from '../types';
import { MsgIdIndex, NUMBER_TAIL, type IndexEntry, type IndexWrite, type MsgLocation } from './msgid-index';
import { normalizeMsgId } from './msgid';
import type { DeliveryReport } from './report';
import { APPLY_REPORT, type ApplyResult } from './scripts';
import { withDelivery } from './summary';
import { isHardReason, suppressHardFailures } from '../opt-out/hard-failures';
import { SuppressionStore } from '../opt-out/suppression-store';
import type { WebhookEmitter } from '../webhooks/emitter';
import type { DeliveryItem } from '../webhooks/events';

/** A recipient's stored delivery record: `[state, at, code, reason, pay?, currency?]` (see scripts.ts). */
export type StoredDelivery = ['d' | 'x' | 'e', number, string, string, number?, string?];

/**
 * What indexing a call's sent recipients writes (END_CALL writes it with the call's outcomes): the msgId index, and
 * the batch's entry in the poller's list, `awaitingMember` scored by when to ask about it first. A call goes to one
 * account: the member names it (awaitingMember), so that the poller asks that account.
 */
export interface SentIndexing extends IndexWrite {
  awaitingScore: number;
  awaitingMember: string;
}

/** What became of the reports of one push or one poll. */
export interface RecordCounts {
  /** Applied to their recipient (a later report replacing an earlier one included). */
  matched: number;
  /** Already known (the same report twice), or older than the one stored. */
  duplicate: number;
  /** msgId not indexed (yet): kept for DLR_HOLD_MS and applied if its send's result is recorded meanwhile. */
  held: number;
  /** msgId known but its campaign's results expired, or the report's number is not the recipient's. */
  unmatched: number;
}

/**
 * Delivery reports: the msgId index written as calls end, each recipient's report, the batches whose
 * messages may still await one (the poller's work list) and reports held until their msgId is indexed.
 */
export class DeliveryStore {
  readonly index: MsgIdIndex;
  private readonly retentionMs: number;
  private readonly suppressions: SuppressionStore;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly config: Config,
    private readonly log: Logger,
    private readonly campaigns: CampaignStore,
    private readonly webhooks: WebhookEmitter,
    /** The budget pauses it makes are recorded here, as smsq's own. */
    private readonly audit: AuditLog,
  ) {
    this.retentionMs = config.resultRetentionSeconds * 1000;
    this.index = new MsgIdIndex(redis, keys, this.retentionMs);
    this.suppressions = new SuppressionStore(redis, keys);
  }

  /**
   * The writes that index a call's sent recipients and put their batch on the poller's list, for END_CALL to make
   * with the call's outcomes (BatchStore.endCall); null when the call sent none. Once they are made, and END_CALL
   * said that reports are held, `applyHeldFor` applies those that came first.
   */
  async sentIndexing(
    campaignId: string,
    batch: number,
    recipients: readonly Recipient[],
    outcomes: ReadonlyMap<number, StoredOutcome>,
    sentAt: number,
    now = Date.now(),
  ): Promise<SentIndexing | null> {
    const write = await this.index.prepare(campaignId, batch, sentAt, recipients, outcomes, now);
    if (!write) return null;
    return {
      ...write,
      awaitingScore: now + this.config.delivery.pollAfterMs,
      awaitingMember: awaitingMember(sentAt, campaignId, batch, callAccount(outcomes)),
    };
  }

  /** Applies the held reports of a call's sent recipients, once END_CALL indexed them and found reports held. */
  applyHeldFor(
    campaignId: string,
    batch: number,
    recipients: readonly Recipient[],
    outcomes: ReadonlyMap<number, StoredOutcome>,
    sentAt: number,
  ): Promise<void> {
    return this.applyHeld(sentEntries(campaignId, batch, recipients, outcomes, sentAt));
  }

  /**
   * Indexes the msgIds of a batch's sent recipients and puts them on the poller's list, in a round trip of its own:
   * for sent outcomes no END_CALL wrote (a campaign recovered from the gateway's records). Idempotent, so a re-run
   * of the batch may do it again; reports that came before are applied now.
   */
  async indexSent(
    campaignId: string,
    batch: number,
    recipients: readonly Recipient[],
    outcomes: ReadonlyMap<number, StoredOutcome>,
    now = Date.now(),
  ): Promise<number> {
    return this.indexEntries(sentEntries(campaignId, batch, recipients, outcomes, now), now);
  }

  /** Indexes entries (settling as it finds msgIds, sent outcomes no call's end indexed); returns how many. */
  async indexEntries(entries: IndexEntry[], now = Date.now()): Promise<number> {
    if (entries.length === 0) return 0;
    const p = this.redis.pipeline();
    await this.index.write(p, entries, now);
    const firstAsk = now + this.config.delivery.pollAfterMs;
    // One entry per batch and account, dated by its earliest send: the expiry horizon then counts from the first message.
    const batches = new Map<string, IndexEntry>();
    for (const e of entries) {
      const key = `${e.campaignId}\t${e.batch}\t${e.account ?? DEFAULT_ACCOUNT}`;
      const seen = batches.get(key);
      if (!seen || e.sentAt < seen.sentAt) batches.set(key, e);
    }
    p.zadd(
      this.keys.awaitingReports(),
      ...[...batches.values()].flatMap((e) => [firstAsk, awaitingMember(e.sentAt, e.campaignId, e.batch, e.account)]),
    );
    p.exists(this.keys.heldReportsFlag());
    const replies = (await p.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    if (replies[replies.length - 1][1] === 1) await this.applyHeld(entries);
    return entries.length;
  }

  /**
   * Matches reports of `account`'s messages (pushed to its address, or polled from it) to recipients and stores
   * them; reports whose msgId is not indexed are held.
   */
  async record(reports: DeliveryReport[], source: ReportSource, account = DEFAULT_ACCOUNT, now = Date.now()): Promise<RecordCounts> {
    const counts: RecordCounts = { matched: 0, duplicate: 0, held: 0, unmatched: 0 };
    /** Campaigns whose reported cost moved: their budget caps are checked once the reports are in. */
    const costMoved = new Set<string>();
    const locations = await this.index.lookup(
      reports.map((r) => r.msgId),
      account,
      now,
    );
    const applied = new AppliedReports();
    const hard: HardHit[] = [];
    await Promise.all(
      reports.map(async (report, i) => {
        const loc = locations[i];
        const result = !loc
          ? await this.hold(report, account, now, hard)
          : !sameNumber(report.number, loc.numberTail)
            ? 'mismatch'
            : await this.apply(loc, report);
        tally(counts, result);
        countReport(source, result);
        if (loc && (result === 'applied' || result === 'replaced')) {
          metrics.reportLatency.observe(Math.max(0, report.at - loc.sentAt) / 1000);
          if (report.payMicros !== undefined) costMoved.add(loc.campaignId);
          applied.add(loc.campaignId, report.msgId, account, report);
          if (this.isHard(report)) hard.push(loc);
        }
        if (result === 'mismatch')
          this.log.warn(
            { msgId: report.msgId, campaignId: loc?.campaignId, account },
            "delivery report's number is not the recipient's; not applied",
          );
      }),
    );
    // One line per push, not per report: an account shared with another sender can push many foreign reports.
    if (counts.held > 0)
      this.log.info({ held: counts.held, source, account }, 'delivery reports for msgIds not indexed (yet): held for DLR_HOLD_MS');
    const priced = reports
      .filter((r): r is DeliveryReport & { currency: string } => r.payMicros !== undefined && Boolean(r.currency))
      .at(-1);
    if (priced) {
      const segment = priced.segmentPriceMicros === undefined ? {} : { price: String(priced.segmentPriceMicros) };
      await this.redis.hset(this.keys.lastPrice(), {
        pay: String(priced.payMicros),
        currency: priced.currency,
        at: String(now),
        ...segment,
      });
    }
    if (costMoved.size > 0) await this.pauseOverBudget(costMoved);
    await this.emitApplied(applied);
    await this.suppressHard(hard);
    return counts;
  }

  /** An undelivered report whose reason says the number does not exist (hard-failures.ts), when such are suppressed. */
  private isHard(r: Pick<DeliveryReport, 'state' | 'reason'>): boolean {
    return r.state === 'x' && this.config.optOut.suppressHardFailures && isHardReason(this.config, r.reason);
  }

  /**
   * Puts the numbers of applied hard-failure reports on the suppression list. The index keeps only a number's tail,
   * so each batch's recipients are read once: a rare cost, paid only for such reports. Never throws: the reports
   * are stored already.
   */
  private async suppressHard(hits: readonly HardHit[]): Promise<void> {
    if (hits.length === 0) return;
    const byBatch = new Map<string, HardHit[]>();
    for (const h of hits) {
      const key = `${h.campaignId}\t${h.batch}`;
      byBatch.set(key, [...(byBatch.get(key) ?? []), h]);
    }
    for (const group of byBatch.values()) {
      const { campaignId, batch } = group[0];
      let numbers: string[];
      try {
        const r = await this.redis.hget(this.keys.batch(campaignId, batch), 'r');
        const recipients = r === null ? [] : decodeRecipients(r);
        numbers = group.map((h) => recipients[h.index]?.number).filter((n): n is string => n !== undefined);
      } catch (err) {
        this.log.warn({ campaignId, batch, err }, "could not read a batch's recipients to suppress its hard failures");
        continue;
      }
      await suppressHardFailures({ config: this.config, suppressions: this.suppressions }, this.log, campaignId, numbers, 'report');
    }
  }

  /** Pauses the campaigns whose reported cost reached their maxCost, records it in the audit trail, and tells their webhooks. */
  private async pauseOverBudget(campaignIds: Set<string>): Promise<void> {
    for (const p of await pauseOverBudget(this.campaigns, this.log, campaignIds)) {
      await this.audit.record(SMSQ_ACTOR, {
        action: 'campaign.pause',
        campaignId: p.campaignId,
        tenant: ownerOf(p.campaignId).tenant,
        changes: { by: 'budget', reason: p.reason, state: 'paused' },
      });
      await this.webhooks.emit(p.campaignId, 'campaign.paused', { by: 'budget', reason: p.reason });
    }
  }

  /** One recipients.delivery event per campaign for the reports one push, poll or expiry applied. */
  async emitApplied(applied: AppliedReports): Promise<void> {
    for (const [campaignId, reports] of applied.byCampaign) await this.webhooks.emit(campaignId, 'recipients.delivery', { reports });
  }

  /** Records that no report came for a message within DLR_EXPIRE_AFTER_MS. */
  expire(loc: Pick<MsgLocation, 'campaignId' | 'batch' | 'index'>, now = Date.now()): Promise<ApplyResult> {
    return this.apply(loc, { state: 'e', at: now, code: 'EXPIRED', reason: 'no delivery report came in time' });
  }

  /**
   * A batch's messages sent through `account` that have no delivery record yet (the poller's question for that
   * account's getReport), or null when the batch's results are gone.
   */
  async unreported(campaignId: string, batch: number, sentAt: number, account = DEFAULT_ACCOUNT): Promise<IndexEntry[] | null> {
    const replies =
      (await this.redis
        .pipeline()
        .hmget(this.keys.batch(campaignId, batch), 'r', 'o')
        .hkeys(this.keys.deliveries(campaignId, batch))
        .exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
    const [r, o] = replies[0][1] as Array<string | null>;
    if (r === null) return null;
    const recipients = decodeRecipients(r);
    const reported = new Set(replies[1][1] as string[]);
    const out: IndexEntry[] = [];
    const named = account === DEFAULT_ACCOUNT ? {} : { account };
    for (const [index, outcome] of parseOutcomes(o)) {
      if (outcome[0] === 's' && !reported.has(String(index)) && accountOf(outcome) === account)
        out.push({ msgId: outcome[1], campaignId, batch, index, number: recipients[index].number, sentAt, ...named });
    }
    return out;
  }

  /** The last price per message a report told us, in millionths, with its price per segment when it gave one; or null. */
  async lastPrice(): Promise<{ payMicros: number; segmentMicros?: number; currency: string; at: number } | null> {
    const f = await this.redis.hgetall(this.keys.lastPrice());
    if (!f.pay) return null;
    return {
      payMicros: Number(f.pay),
      ...(f.price ? { segmentMicros: Number(f.price) } : {}),
      currency: f.currency ?? '',
      at: Number(f.at),
    };
  }

  private async apply(
    loc: Pick<MsgLocation, 'campaignId' | 'batch' | 'index'>,
    r: Pick<DeliveryReport, 'at' | 'code' | 'reason' | 'payMicros' | 'currency'> & { state: 'd' | 'x' | 'e' },
  ): Promise<ApplyResult> {
    const { campaignId, batch } = loc;
    return runScript(
      this.redis,
      APPLY_REPORT,
      [this.keys.deliveries(campaignId, batch), this.keys.campaign(campaignId), this.keys.batch(campaignId, batch)],
      [
        String(loc.index),
        r.state,
        String(r.at),
        r.code,
        r.reason,
        r.payMicros === undefined ? '' : String(r.payMicros),
        r.currency ?? '',
        String(this.retentionMs),
      ],
    );
  }

  /**
   * Keeps a report whose msgId is not indexed. Its batch may be indexing right now: the indexer writes the
   * index and then looks for held reports, while this holds the report and then looks at the index again, so
   * one of the two always sees the other (a report applied by both counts once: the second is a duplicate).
   */
  private async hold(report: DeliveryReport, account: string, now: number, hard: HardHit[]): Promise<ApplyResult | 'held' | 'mismatch'> {
    const hold = this.config.delivery.holdMs;
    const key = this.keys.heldReport(normalizeMsgId(report.msgId), account);
    // NX: of two early copies of one report the first is kept; the later is applied after it anyway.
    await this.redis.pipeline().set(key, JSON.stringify(report), 'PX', hold, 'NX').set(this.keys.heldReportsFlag(), '1', 'PX', hold).exec();
    const [loc] = await this.index.lookup([report.msgId], account, now);
    if (loc) {
      await this.redis.del(key);
      if (!sameNumber(report.number, loc.numberTail)) return 'mismatch';
      const result = await this.apply(loc, report);
      if ((result === 'applied' || result === 'replaced') && this.isHard(report)) hard.push(loc);
      return result;
    }
    return 'held';
  }

  private async applyHeld(entries: IndexEntry[]): Promise<void> {
    const heldKeys = entries.map((e) => this.keys.heldReport(normalizeMsgId(e.msgId), e.account));
    const values = await this.redis.mget(...heldKeys);
    const costMoved = new Set<string>();
    const applied = new AppliedReports();
    const hard: HardHit[] = [];
    await Promise.all(
      values.map(async (v, i) => {
        if (!v) return;
        const e = entries[i];
        const report = JSON.parse(v) as DeliveryReport;
        const loc = { ...e, numberTail: e.number.slice(-NUMBER_TAIL) };
        const result = sameNumber(report.number, loc.numberTail) ? await this.apply(loc, report) : 'mismatch';
        countReport('held', result);
        if ((result === 'applied' || result === 'replaced') && report.payMicros !== undefined) costMoved.add(e.campaignId);
        if (result === 'applied' || result === 'replaced') applied.add(e.campaignId, e.msgId, e.account ?? DEFAULT_ACCOUNT, report);
        if ((result === 'applied' || result === 'replaced') && this.isHard(report)) hard.push(e);
        await this.redis.del(heldKeys[i]);
      }),
    );
    if (costMoved.size > 0) await this.pauseOverBudget(costMoved);
    await this.emitApplied(applied);
    await this.suppressHard(hard);
  }
}

/** Where an applied hard-failure report's recipient is. */
type HardHit = Pick<MsgLocation, 'campaignId' | 'batch' | 'index'>;

/** Reports applied by one push, poll or expiry run, grouped by campaign, as recipients.delivery items. */
export class AppliedReports {
  readonly byCampaign = new Map<string, DeliveryItem[]>();

  add(
    campaignId: string,
    msgId: string,
    account: string,
    r: Pick<DeliveryReport, 'at' | 'code' | 'reason' | 'payMicros' | 'currency'> & { state: 'd' | 'x' | 'e' },
  ): void {
    const item = withDelivery({ number: '', orderId: '', status: 'sent' }, [r.state, r.at, r.code, r.reason, r.payMicros, r.currency]);
    const { delivery, deliveryCode, deliveryReason, reportedAt, price, currency } = item;
    const list = this.byCampaign.get(campaignId) ?? [];
    list.push({
      msgId,
      account,
      delivery: delivery as DeliveryItem['delivery'],
      deliveryCode,
      deliveryReason,
      reportedAt,
      price,
      currency,
    });
    this.byCampaign.set(campaignId, list);
  }
}

/**
 * A batch's entry in the poller's list: when its messages were sent, which batch, and the account they went to
 * (left out for `default`, whose entries keep the form they had before there were accounts).
 */
export function awaitingMember(sentAt: number, campaignId: string, batch: number, account?: string): string {
  const base = `${sentAt}\t${campaignId}\t${batch}`;
  return account === undefined || account === DEFAULT_ACCOUNT ? base : `${base}\t${account}`;
}

export function parseAwaitingMember(member: string): { sentAt: number; campaignId: string; batch: number; account: string } {
  const [sentAt, campaignId, batch, account] = member.split('\t');
  return { sentAt: Number(sentAt), campaignId, batch: Number(batch), account: account || DEFAULT_ACCOUNT };
}

/** The account a call's sent recipients went to (a call goes to one): the first sent outcome's. */
function callAccount(outcomes: ReadonlyMap<number, StoredOutcome>): string | undefined {
  for (const o of outcomes.values()) if (o[0] === 's') return accountOf(o);
  return undefined;
}

/** A batch's sent recipients among `outcomes`, as index entries. */
export function sentEntries(
  campaignId: string,
  batch: number,
  recipients: readonly Recipient[],
  outcomes: ReadonlyMap<number, StoredOutcome>,
  sentAt: number,
): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const [index, o] of outcomes) {
    if (o[0] !== 's') continue;
    const account = accountOf(o);
    const entry: IndexEntry = { msgId: o[1], campaignId, batch, index, number: recipients[index].number, sentAt };
    if (account !== undefined && account !== DEFAULT_ACCOUNT) entry.account = account;
    entries.push(entry);
  }
  return entries;
}

/** Gateways echo numbers with or without their country code or a '+'; the index keeps the last digits to compare. */
function sameNumber(reported: string | undefined, tail: string): boolean {
  const digits = (reported ?? '').replace(/\D/g, '');
  return digits === '' || digits.endsWith(tail);
}

function tally(counts: RecordCounts, result: ApplyResult | 'held' | 'mismatch'): void {
  if (result === 'applied' || result === 'replaced') counts.matched++;
  else if (result === 'duplicate' || result === 'older') counts.duplicate++;
  else if (result === 'held') counts.held++;
  else counts.unmatched++;
}
