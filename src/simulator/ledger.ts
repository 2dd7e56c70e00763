import { Column } from './columns';
import { FAILURE_REASONS, type DeliveryFate } from './delivery-fate';
import { formatMicrosFixed, GATEWAY_DECIMALS } from '../shared/delivery/money';

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
  /** The report's `reason`: "0" when delivered, else why not ("UNDELIV", "EXPIRED", "REJECTD", or faults.undeliveredReasons'). */
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
 * msgIds look like the gateway's ("2108021054011000095"): yyMMddHHmmss (UTC) of `at` plus a 7-digit counter.
 * Entry i always has counter `firstCounter + i`, so a msgId is computed rather than stored and byMsgId needs no
 * index. Two msgIds could only collide if 10^7 messages were accepted within one second.
 */
const COUNTER_MOD = 10_000_000;
const FIRST_COUNTER = 1_000_000;

/**
 * The in-memory ledger, stored as parallel arrays (about 160 bytes per message with short orderIds, so a
 * million messages cost roughly 160 MB; the orderId index, built on demand, adds about 85 more). Delivery
 * fates take 11 bytes in typed columns; charges, shared by every number of a call, are interned. Texts are not:
 * the numbers of one call (or one sendSms/batch element) share the string their request's JSON gave, so a text
 * is stored once per call, and interning the distinct texts of a personalised campaign cost more than it saved.
 */
export class MemoryLedger implements Ledger {
  private numbers: string[] = [];
  private orderIds: string[] = [];
  private contents: string[] = [];
  private senderIds: string[] = [];
  private ats: number[] = [];
  /** 0 delivered, else 1 + index into `reasons`. */
  private failures = new Column((n) => new Uint16Array(n));
  /** Every failure reason met, FAILURE_REASONS first; faults.undeliveredReasons bounds how many more there are. */
  private reasons: string[] = [...FAILURE_REASONS];
  private reasonIndex = new Map<string, number>(FAILURE_REASONS.map((r, i) => [r, i]));
  /** reportAt − at, in ms (at most two days, see faults). */
  private reportDelays = new Column((n) => new Uint32Array(n));
  private chargeIds = new Column((n) => new Uint32Array(n));
  private pushCounts = new Column((n) => new Uint8Array(n));
  private charges: Charge[] = [];
  private chargeIndex = new Map<string, number>();
  /** Entry indexes per number; a bare index for the common case of one message per number. */
  private byNumber = new Map<string, number | number[]>();
  /** Built on the first byOrderId call only, since most users never ask. */
  private orderIndex: Map<string, number[]> | undefined;
  private duplicateCount = 0;
  private firstCounter = FIRST_COUNTER;
  private lastAt = 0;

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

  /** A reason's id, interned; past what 16 bits hold (a simulator whose faults changed endlessly) a new one is UNDELIV. */
  private reasonId(reason: string): number {
    let id = this.reasonIndex.get(reason);
    if (id === undefined) {
      if (this.reasons.length >= 0xfffe) return 0;
      id = this.reasons.push(reason) - 1;
      this.reasonIndex.set(reason, id);
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
    this.failures.push(fate.failure === null ? 0 : 1 + this.reasonId(fate.failure));
    this.reportDelays.push(fate.reportDelayMs);
    this.chargeIds.push(chargeId);
    this.pushCounts.push(0);
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
    this.firstCounter = (this.firstCounter + this.size) % COUNTER_MOD;
    this.numbers = [];
    this.orderIds = [];
    this.contents = [];
    this.senderIds = [];
    this.ats = [];
    this.failures = new Column((n) => new Uint16Array(n));
    this.reasons = [...FAILURE_REASONS];
    this.reasonIndex = new Map(FAILURE_REASONS.map((r, i) => [r, i]));
    this.reportDelays = new Column((n) => new Uint32Array(n));
    this.chargeIds = new Column((n) => new Uint32Array(n));
    this.pushCounts = new Column((n) => new Uint8Array(n));
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
    if (!/^\d{19}$/.test(msgId)) return undefined;
    const counter = Number(msgId.slice(12));
    // Past 10^7 entries the counter wraps, so several indexes share it; the time prefix tells them apart.
    for (let i = (counter - this.firstCounter + COUNTER_MOD) % COUNTER_MOD; i < this.size; i += COUNTER_MOD) {
      if (this.msgIdAt(i) === msgId) return this.entryAt(i);
    }
    return undefined;
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
      deliveryReason: failure === 0 ? '0' : this.reasons[failure - 1],
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
    const counter = (this.firstCounter + i) % COUNTER_MOD;
    return timePrefix(this.ats[i]) + String(counter).padStart(7, '0');
  }
}

function addToIndex(index: Map<string, number[]>, key: string, i: number): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [i]);
  else list.push(i);
}

let cachedSecond = -1;
let cachedPrefix = '';

/** yyMMddHHmmss in UTC; cached because consecutive entries almost always share their second. */
function timePrefix(at: number): string {
  const second = Math.floor(at / 1000);
  if (second !== cachedSecond) {
    // toISOString: "2021-08-02T10:54:01.000Z" → "210802105401"
    cachedPrefix = new Date(second * 1000).toISOString().slice(2, 19).replace(/\D/g, '');
    cachedSecond = second;
  }
  return cachedPrefix;
}
