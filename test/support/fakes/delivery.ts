/**
 * DeliveryStore and SuppressionStore in memory: the msgId index (in the world) that calls' ends write through
 * FakeBatchStore.endCall and settling reads, the reports settling records, and the suppression list staging counts.
 * Typed by Pick<> of the real classes, so that a change of their signatures breaks this file at compile time.
 */
import { sentEntries, type DeliveryStore, type RecordCounts, type SentIndexing } from '../../../src/shared/delivery/delivery-store';
import type { IndexEntry, MsgIdIndex, MsgLocation } from '../../../src/shared/delivery/msgid-index';
import type { DeliveryReport } from '../../../src/shared/delivery/report';
import type { ReportSource } from '../../../src/shared/metrics';
import type { SuppressionStore } from '../../../src/shared/opt-out/suppression-store';
import type { Recipient, StoredOutcome } from '../../../src/shared/types';
import type { FakeWorld } from './world';

export class FakeMsgIdIndex implements Pick<MsgIdIndex, 'lookup'> {
  constructor(private readonly world: FakeWorld) {}

  /** msgId → its recipient: what the index holds. */
  get entries(): ReadonlyMap<string, MsgLocation> {
    return this.world.msgIds;
  }

  async lookup(msgIds: string[]): Promise<Array<MsgLocation | null>> {
    return msgIds.map((m) => this.world.msgIds.get(m) ?? null);
  }
}

export class FakeDelivery implements Pick<
  DeliveryStore,
  'sentIndexing' | 'applyHeldFor' | 'indexSent' | 'indexEntries' | 'record' | 'lastPrice'
> {
  readonly index: FakeMsgIdIndex;
  /** Reports recorded (settling records a message the gateway took and failed), with where they came from. */
  readonly reports: Array<{ report: DeliveryReport; source: ReportSource }> = [];
  /** How often each batch's stored sends were indexed apart from its calls' ends (`campaignId/batch`). */
  readonly indexed = new Map<string, number>();

  constructor(private readonly world: FakeWorld) {
    this.index = new FakeMsgIdIndex(world);
  }

  /** The writes of a call's sends, as a value END_CALL (FakeBatchStore.endCall) writes into the world's index. */
  async sentIndexing(
    campaignId: string,
    batch: number,
    recipients: readonly Recipient[],
    outcomes: ReadonlyMap<number, StoredOutcome>,
    sentAt: number,
  ): Promise<SentIndexing | null> {
    const entries = sentEntries(campaignId, batch, recipients, outcomes, sentAt);
    if (entries.length === 0) return null;
    const write: SentIndexing = {
      refsKey: 'refs',
      ref: '1',
      refEntry: `${campaignId}\t${batch}\t${sentAt}`,
      expiresAt: 0,
      buckets: [],
      awaitingScore: sentAt,
      awaitingMember: `${sentAt}\t${campaignId}\t${batch}`,
    };
    this.world.indexWrites.set(write, entries);
    return write;
  }

  /** No report is ever held here. */
  async applyHeldFor(): Promise<void> {}

  async indexSent(
    campaignId: string,
    batch: number,
    recipients: readonly Recipient[],
    outcomes: ReadonlyMap<number, StoredOutcome>,
    now = Date.now(),
  ): Promise<number> {
    const key = `${campaignId}/${batch}`;
    this.indexed.set(key, (this.indexed.get(key) ?? 0) + 1);
    return this.indexEntries(sentEntries(campaignId, batch, recipients, outcomes, now));
  }

  async indexEntries(entries: IndexEntry[]): Promise<number> {
    this.world.index(entries);
    return entries.length;
  }

  async record(reports: DeliveryReport[], source: ReportSource): Promise<RecordCounts> {
    for (const report of reports) this.reports.push({ report, source });
    return { matched: reports.length, duplicate: 0, held: 0, unmatched: 0 };
  }

  async lastPrice(): Promise<null> {
    return null;
  }
}

export class FakeSuppressions implements Pick<SuppressionStore, 'which' | 'listedAmong'> {
  /** Each call's numbers, in order: staging asks once per batch it writes, while the list is not empty. */
  readonly asked: string[][] = [];

  constructor(private readonly world: FakeWorld) {}

  async which(numbers: ReadonlyArray<string>): Promise<Set<string>> {
    this.asked.push([...numbers]);
    return new Set(numbers.filter((n) => this.world.suppressed.has(n)));
  }

  /** As the real one, with no version: the fake batch store looks every number up at a call's start. */
  async listedAmong(numbers: ReadonlyArray<string>): Promise<{ version: number; listed: Set<string> }> {
    return { version: 0, listed: this.world.suppressed.size === 0 ? new Set() : await this.which(numbers) };
  }
}
