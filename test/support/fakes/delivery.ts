/**
 * DeliveryStore and SuppressionStore in memory: the msgId index a batch writes as it finishes and settling reads,
 * the reports settling records, and the suppression list staging counts. Typed by Pick<> of the real classes, so
 * that a change of their signatures breaks this file at compile time.
 */
import type { DeliveryStore, RecordCounts } from '../../../src/shared/delivery/delivery-store';
import type { IndexEntry, MsgIdIndex, MsgLocation } from '../../../src/shared/delivery/msgid-index';
import type { DeliveryReport } from '../../../src/shared/delivery/report';
import type { ReportSource } from '../../../src/shared/metrics';
import type { SuppressionStore } from '../../../src/shared/opt-out/suppression-store';
import type { Recipient, StoredOutcome } from '../../../src/shared/types';
import type { FakeWorld } from './world';

export class FakeMsgIdIndex implements Pick<MsgIdIndex, 'lookup'> {
  readonly entries = new Map<string, MsgLocation>();

  add(e: IndexEntry): void {
    this.entries.set(e.msgId, {
      campaignId: e.campaignId,
      batch: e.batch,
      index: e.index,
      numberTail: e.number.slice(-4),
      sentAt: e.sentAt,
    });
  }

  async lookup(msgIds: string[]): Promise<Array<MsgLocation | null>> {
    return msgIds.map((m) => this.entries.get(m) ?? null);
  }
}

export class FakeDelivery implements Pick<DeliveryStore, 'indexSent' | 'indexEntries' | 'record' | 'lastPrice'> {
  readonly index = new FakeMsgIdIndex();
  /** Reports recorded (settling records a message the gateway took and failed), with where they came from. */
  readonly reports: Array<{ report: DeliveryReport; source: ReportSource }> = [];
  /** How often each batch was indexed (`campaignId/batch`): a re-run indexes again, which the real index makes idempotent. */
  readonly indexed = new Map<string, number>();

  async indexSent(
    campaignId: string,
    batch: number,
    recipients: Recipient[],
    outcomes: ReadonlyMap<number, StoredOutcome>,
    now = Date.now(),
  ): Promise<number> {
    const entries: IndexEntry[] = [];
    for (const [index, o] of outcomes)
      if (o[0] === 's') entries.push({ msgId: o[1], campaignId, batch, index, number: recipients[index].number, sentAt: now });
    const key = `${campaignId}/${batch}`;
    this.indexed.set(key, (this.indexed.get(key) ?? 0) + 1);
    return this.indexEntries(entries);
  }

  async indexEntries(entries: IndexEntry[]): Promise<number> {
    for (const e of entries) this.index.add(e);
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
