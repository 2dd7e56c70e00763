import { Column } from './columns';
import { FAILURE_REASONS, type DeliveryFate } from './delivery-fate';
import { formatMicrosFixed, GATEWAY_DECIMALS } from '../shared/delivery/money';
import { COUNTER_MOD, formatMsgId, MsgIdSequence, parseMsgId } from './msg-ids';

/** One message the simulator accepted. `at` is the acceptance time in ms since the epoch. */
export interface LedgerEntry {
  msgId: string;
  number: string;
  orderId: string;
  content: string;
  senderId: string;
  at: number;
  /** The final status, decided at acceptance: 0 delivered, 1 failed. */
  deliveryStatus: 0 | 1;
  /** The report's `reason`: "0" when delivered, else why not ("UNDELIV", "EXPIRED", "REJECTD"). */
  deliveryReason: string;
  /** When the final status becomes known (ms since the epoch): getReport says -1 before, and the report is due. */
  reportAt: number;
  /** Segments charged. */
  chargeCnt: number;
  /** Price of one segment, as a decimal string ("0.0100"). */
  price: string;
  /** price × chargeCnt, as a decimal string ("0.0200"). */
  pay: string;
  currency: string;
  /** Reports of this message received with HTTP 200 so far (2 after a duplicate push). */
  pushes: number;
}

/** What one message of a call costs; the same for every number of the call. */
export interface Charge {
  chargeCnt: number;
  priceMicros: number;
  currency: string;
}

/** What tests and the control routes may read; only the simulator appends. */
export interface Ledger {
  readonly size: number;
  entries(): IterableIterator<LedgerEntry>;
  /** Accepted messages to this number. */
  countFor(number: string): number;
  /** Accepted messages whose (number, content) pair had already been accepted: 0 for a correct sender. */
  duplicates(): number;
  byMsgId(msgId: string): LedgerEntry | undefined;
  /** Every entry with this orderId, oldest first (more than one when a message was resent). */
  byOrderId(orderId: string): LedgerEntry[];
}

/**
 * The in-memory ledger, stored as parallel arrays (about 170 bytes per message with short orderIds, so a
 * million messages cost roughly 170 MB; the orderId index, built on demand, adds about 85 more). Delivery
 * fates take 10 bytes in typed columns; charges, shared by every number of a call, are interned. A msgId is
 * computed from the entry's time and sequence number (msg-ids.ts) rather than stored, and found again by two
 * binary searches, so byMsgId needs no index. Texts are not interned:
 * the numbers of one call (or one sendSms/batch element) share the string their request's JSON gave, so a text
 * is stored once per call, and interning the distinct texts of a personalised campaign cost more than it saved.
 */
export class MemoryLedger implements Ledger {
  private numbers: string[] = [];
  private orderIds: string[] = [];
  private contents: string[] = [];
  private senderIds: string[] = [];
  private ats: number[] = [];
  /** 0 delivered, else 1 + index into FAILURE_REASONS. */
  private failures = new Column((n) => new Uint8Array(n));
  /** reportAt − at, in ms (at most two days, see faults). */
  private reportDelays = new Column((n) => new Uint32Array(n));
  private chargeIds = new Column((n) => new Uint32Array(n));
  private pushCounts = new Column((n) => new Uint8Array(n));
  /** Each entry's msgId sequence number: rising, with gaps where another account of the simulator took one. */
  private sequences = new Column((n) => new Float64Array(n));
  private charges: Charge[] = [];
  private chargeIndex = new Map<string, number>();
  /** Entry indexes per number; a bare index for the common case of one message per number. */
  private byNumber = new Map<string, number | number[]>();
  /** Built on the first byOrderId call only, since most users never ask. */
  private orderIndex: Map<string, number[]> | undefined;
  private duplicateCount = 0;
  private lastAt = 0;

  /** `msgIds` is shared by the ledgers of one simulator's accounts, so that their msgIds never collide. */
  constructor(private readonly msgIds = new MsgIdSequence()) {}

  get size(): number {
    return this.numbers.length;
  }

  /** The id to pass to append() for messages with this charge. */
  chargeId(charge: Charge): number {
    const key = `${charge.chargeCnt} ${charge.priceMicros} ${charge.currency}`;
    let id = this.chargeIndex.get(key);
    if (id === undefined) {
      id = this.charges.push({ ...charge }) - 1;
      this.chargeIndex.set(key, id);
    }
    return id;
  }

  chargeOf(chargeId: number): Readonly<Charge> {
    return this.charges[chargeId];
  }

  /** Records one accepted message and returns its new msgId; its index is `size - 1` afterwards. */
  append(number: string, orderId: string, content: string, senderId: string, chargeId: number, fate: DeliveryFate): string {
    // Never let time run backwards (NTP steps): msgId uniqueness relies on it.
    const at = (this.lastAt = Math.max(Date.now(), this.lastAt));
    const i = this.numbers.push(number) - 1;
    this.orderIds.push(orderId);
    this.contents.push(content);
    this.senderIds.push(senderId);
    this.ats.push(at);
    this.failures.push(fate.failure === null ? 0 : 1 + FAILURE_REASONS.indexOf(fate.failure));
    this.reportDelays.push(fate.reportDelayMs);
    this.chargeIds.push(chargeId);
    this.pushCounts.push(0);
    this.sequences.push(this.msgIds.take());
    const previous = this.byNumber.get(number);
    if (previous === undefined) {
      this.byNumber.set(number, i);
    } else {
      const list = typeof previous === 'number' ? [previous] : previous;
      if (list.some((j) => this.contents[j] === content)) this.duplicateCount += 1;
      list.push(i);
      if (list !== previous) this.byNumber.set(number, list);
    }
    if (this.orderIndex !== undefined) addToIndex(this.orderIndex, orderId, i);
    return this.msgIdAt(i);
  }

  /** Forgets every entry; msgIds keep counting so that they stay unique over the simulator's life. */
  clear(): void {
    this.numbers = [];
    this.orderIds = [];
    this.contents = [];
    this.senderIds = [];
    this.ats = [];
    this.failures = new Column((n) => new Uint8Array(n));
    this.reportDelays = new Column((n) => new Uint32Array(n));
    this.chargeIds = new Column((n) => new Uint32Array(n));
    this.pushCounts = new Column((n) => new Uint8Array(n));
    this.sequences = new Column((n) => new Float64Array(n));
    this.charges = [];
    this.chargeIndex = new Map();
    this.byNumber = new Map();
    this.orderIndex = undefined;
    this.duplicateCount = 0;
  }

  *entries(): IterableIterator<LedgerEntry> {
    // Entries appended while iterating are included; a clear() ends the iteration.
    for (let i = 0; i < this.size; i++) yield this.entryAt(i);
  }

  countFor(number: string): number {
    const v = this.byNumber.get(number);
    return v === undefined ? 0 : typeof v === 'number' ? 1 : v.length;
  }

  duplicates(): number {
    return this.duplicateCount;
  }

  byMsgId(msgId: string): LedgerEntry | undefined {
    const shown = parseMsgId(msgId);
    if (shown === null) return undefined;
    let [lo, hi] = this.timeRange(shown.second, shown.second + 999);
    if (lo === hi) return undefined;
    // Within one second the sequence rises by less than 10^7 (else msgIds would repeat anyway), so one sequence
    // number at most, from the second's first, shows this counter.
    const first = this.sequences.get(lo);
    const wanted = first + ((shown.counter - (first % COUNTER_MOD) + COUNTER_MOD) % COUNTER_MOD);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sequences.get(mid) < wanted) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.size && this.msgIdAt(lo) === msgId ? this.entryAt(lo) : undefined;
  }

  byOrderId(orderId: string): LedgerEntry[] {
    if (this.orderIndex === undefined) {
      const index = new Map<string, number[]>();
      this.orderIds.forEach((o, i) => addToIndex(index, o, i));
      this.orderIndex = index;
    }
    return (this.orderIndex.get(orderId) ?? []).map((i) => this.entryAt(i));
  }

  /** One more report of entry i was received (saturates at 255, far beyond any duplicate rate). */
  recordPush(i: number): void {
    this.pushCounts.set(i, Math.min(255, this.pushCounts.get(i) + 1));
  }

  /**
   * Indexes [from, to) of the entries accepted from `start` to `end` ms, both included: entries are appended in
   * nondecreasing time, so two binary searches find them.
   */
  timeRange(start: number, end: number): [number, number] {
    return [this.firstAfter(start - 1), this.firstAfter(end)];
  }

  reportAtOf(i: number): number {
    return this.ats[i] + this.reportDelays.get(i);
  }

  entryAt(i: number): LedgerEntry {
    const failure = this.failures.get(i);
    const charge = this.charges[this.chargeIds.get(i)];
    return {
      msgId: this.msgIdAt(i),
      number: this.numbers[i],
      orderId: this.orderIds[i],
      content: this.contents[i],
      senderId: this.senderIds[i],
      at: this.ats[i],
      deliveryStatus: failure === 0 ? 0 : 1,
      deliveryReason: failure === 0 ? '0' : FAILURE_REASONS[failure - 1],
      reportAt: this.reportAtOf(i),
      chargeCnt: charge.chargeCnt,
      price: formatMicrosFixed(charge.priceMicros, GATEWAY_DECIMALS),
      pay: formatMicrosFixed(charge.priceMicros * charge.chargeCnt, GATEWAY_DECIMALS),
      currency: charge.currency,
      pushes: this.pushCounts.get(i),
    };
  }

  /** The first index whose time is after `t` (size if none). */
  private firstAfter(t: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ats[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private msgIdAt(i: number): string {
    return formatMsgId(this.ats[i], this.sequences.get(i));
  }
}

function addToIndex(index: Map<string, number[]>, key: string, i: number): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [i]);
  else list.push(i);
}
