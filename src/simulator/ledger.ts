/** One message the simulator accepted. `at` is the acceptance time in ms since the epoch. */
export interface LedgerEntry {
  msgId: string;
  number: string;
  orderId: string;
  content: string;
  senderId: string;
  at: number;
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

/** Interns strings: one campaign's content and senderId are stored once, not once per message. */
class StringTable {
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];
  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.push(s) - 1;
      this.ids.set(s, id);
    }
    return id;
  }
  get(id: number): string {
    return this.values[id];
  }
}

/**
 * The in-memory ledger, stored as parallel arrays (about 150 bytes per message with short orderIds, so a
 * million messages cost roughly 150 MB; the orderId index, built on demand, adds about 85 more).
 */
export class MemoryLedger implements Ledger {
  private numbers: string[] = [];
  private orderIds: string[] = [];
  private contentIds: number[] = [];
  private senderIds: number[] = [];
  private ats: number[] = [];
  private strings = new StringTable();
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

  /** Records one accepted message and returns its new msgId. */
  append(number: string, orderId: string, content: string, senderId: string): string {
    // Never let time run backwards (NTP steps): msgId uniqueness relies on it.
    const at = (this.lastAt = Math.max(Date.now(), this.lastAt));
    const contentId = this.strings.intern(content);
    const i = this.numbers.push(number) - 1;
    this.orderIds.push(orderId);
    this.contentIds.push(contentId);
    this.senderIds.push(this.strings.intern(senderId));
    this.ats.push(at);
    const previous = this.byNumber.get(number);
    if (previous === undefined) {
      this.byNumber.set(number, i);
    } else {
      const list = typeof previous === 'number' ? [previous] : previous;
      if (list.some((j) => this.contentIds[j] === contentId)) this.duplicateCount += 1;
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
    this.contentIds = [];
    this.senderIds = [];
    this.ats = [];
    this.strings = new StringTable();
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

  private entryAt(i: number): LedgerEntry {
    return {
      msgId: this.msgIdAt(i),
      number: this.numbers[i],
      orderId: this.orderIds[i],
      content: this.strings.get(this.contentIds[i]),
      senderId: this.strings.get(this.senderIds[i]),
      at: this.ats[i],
    };
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
