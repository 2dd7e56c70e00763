/** Which copy of a message's report an item of the queue stands for. */
export type ReportCopy = 'first' | 'duplicate' | 'lost';
const COPIES: readonly ReportCopy[] = ['first', 'duplicate', 'lost'];

export interface DueReport {
  /** Ledger index of the message. */
  index: number;
  copy: ReportCopy;
}

/**
 * Reports waiting for their time, earliest first: a binary min-heap over typed arrays (16 bytes a report), so
 * that one timer serves any number of reports. Jitter makes due times differ from acceptance order, hence a
 * heap rather than a cursor over the ledger.
 */
export class ReportQueue {
  private due = new Float64Array(1024);
  /** ledger index × 4 + copy number. */
  private items = new Float64Array(1024);
  private count = 0;
  /** Called when an added report becomes the earliest one, so that the pusher can wake up sooner. */
  onEarliest: ((dueAt: number) => void) | undefined;

  get size(): number {
    return this.count;
  }

  add(dueAt: number, index: number, copy: ReportCopy): void {
    if (this.count === this.due.length) this.grow();
    let i = this.count++;
    const item = index * 4 + COPIES.indexOf(copy);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.due[parent] <= dueAt) break;
      this.due[i] = this.due[parent];
      this.items[i] = this.items[parent];
      i = parent;
    }
    this.due[i] = dueAt;
    this.items[i] = item;
    if (i === 0) this.onEarliest?.(dueAt);
  }

  /** When the earliest report is due; Infinity when there is none. */
  nextDue(): number {
    return this.count > 0 ? this.due[0] : Infinity;
  }

  /** Removes and returns the earliest report. */
  pop(): DueReport | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[0];
    const n = --this.count;
    const lastDue = this.due[n];
    const lastItem = this.items[n];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.due[child + 1] < this.due[child]) child += 1;
      if (this.due[child] >= lastDue) break;
      this.due[i] = this.due[child];
      this.items[i] = this.items[child];
      i = child;
    }
    this.due[i] = lastDue;
    this.items[i] = lastItem;
    return { index: Math.floor(item / 4), copy: COPIES[item % 4] };
  }

  clear(): void {
    this.count = 0;
    this.due = new Float64Array(1024);
    this.items = new Float64Array(1024);
  }

  private grow(): void {
    const due = new Float64Array(this.due.length * 2);
    const items = new Float64Array(this.items.length * 2);
    due.set(this.due);
    items.set(this.items);
    this.due = due;
    this.items = items;
  }
}
