import { decideFate } from './delivery-fate';
import { mergeFaults, DEFAULT_FAULTS, type Faults } from './faults';
import { MemoryLedger } from './ledger';
import { roundToMicros } from '../shared/delivery/money';
import { ReplyBook } from './replies';
import { ReportQueue } from './report-queue';
import { segmentCount } from '../shared/text/encoding';
import { StatsCounter, type SimulatorStats } from './stats';

export interface Credentials {
  apiKey: string;
  apiSecret: string;
  appId: string;
}

/** Everything one account of a running simulator remembers: credentials, faults, ledger, reports to push and counters. */
export class SimulatorState {
  readonly ledger = new MemoryLedger();
  readonly stats = new StatsCounter();
  readonly reports = new ReportQueue();
  /** Replies from recipients (recordMo), injected through POST /__sim/replies. */
  readonly moReplies = new ReplyBook();
  /** Bumped by reset(): a push still in flight from before must not count against the new ledger. */
  generation = 0;
  private current: Faults = { ...DEFAULT_FAULTS };
  // Lookup forms of the list faults, rebuilt whenever faults change: a call checks up to 1000 numbers.
  private refuse = new Set<string>();
  private abnormal = new Set<string>();
  private sensitive: string[] = [];
  /** Charge ids at the current price, by segments: a personalised call asks for one per element. */
  private chargeBySegments = new Map<number, number>();

  constructor(
    readonly credentials: Readonly<Credentials>,
    faults: Partial<Faults> = {},
  ) {
    this.setFaults(faults);
  }

  get faults(): Readonly<Faults> {
    return this.current;
  }

  /** Applies a partial update; throws a RangeError naming every bad field and then changes nothing. */
  setFaults(patch: unknown): Faults {
    this.current = Object.freeze(mergeFaults(this.current, patch));
    this.refuse = new Set(this.current.refuseNumbers);
    this.abnormal = new Set(this.current.abnormalNumbers);
    this.sensitive = this.current.sensitiveWords.map((w) => w.toLowerCase());
    this.chargeBySegments = new Map();
    return this.copyOfFaults();
  }

  copyOfFaults(): Faults {
    const f = this.current;
    return { ...f, refuseNumbers: [...f.refuseNumbers], abnormalNumbers: [...f.abnormalNumbers], sensitiveWords: [...f.sensitiveWords] };
  }

  isRefused(number: string): boolean {
    return this.refuse.has(number);
  }

  isAbnormal(number: string): boolean {
    return this.abnormal.has(number);
  }

  hasSensitiveWord(content: string): boolean {
    if (this.sensitive.length === 0) return false;
    const text = content.toLowerCase();
    return this.sensitive.some((w) => text.includes(w));
  }

  /** The charge id of a call's messages at the current price: computed once per call, not per number. */
  chargeFor(content: string): number {
    const f = this.current;
    const segments = segmentCount(content);
    let id = this.chargeBySegments.get(segments);
    if (id === undefined) {
      id = this.ledger.chargeId({ chargeCnt: segments, priceMicros: roundToMicros(f.pricePerSegment), currency: f.currency });
      this.chargeBySegments.set(segments, id);
    }
    return id;
  }

  /** Records one accepted message with its delivery fate, schedules its report, and returns its msgId. */
  accept(number: string, orderId: string, content: string, senderId: string, chargeId: number): string {
    const fate = decideFate(this.current, number, content);
    const msgId = this.ledger.append(number, orderId, content, senderId, chargeId, fate);
    const index = this.ledger.size - 1;
    const reportAt = this.ledger.reportAtOf(index);
    this.reports.add(reportAt, index, fate.lost ? 'lost' : 'first');
    if (fate.duplicateAfterMs !== null) this.reports.add(reportAt + fate.duplicateAfterMs, index, 'duplicate');
    const charge = this.ledger.chargeOf(chargeId);
    this.stats.recordFate(fate.failure === null, charge.currency, charge.priceMicros * charge.chargeCnt);
    return msgId;
  }

  snapshot(): SimulatorStats {
    return this.stats.snapshot(this.ledger, this.reports.size);
  }

  /** Pays for accepted messages. */
  charge(messages: number): void {
    this.current = Object.freeze({ ...this.current, balance: Math.max(0, this.current.balance - messages) });
  }

  topUp(messages: number): void {
    if (!(typeof messages === 'number' && messages >= 0)) {
      throw new RangeError(`top-up must be a number of messages ≥ 0 (got ${JSON.stringify(messages)})`);
    }
    this.charge(-messages);
  }

  /** Clears the ledger, the replies, the reports not yet pushed and the counters; faults and balance stay as they are. */
  reset(): void {
    this.generation += 1;
    this.ledger.clear();
    this.chargeBySegments = new Map();
    this.moReplies.clear();
    this.reports.clear();
    this.stats.clear();
  }
}
