/**
 * The caller-given orderIds of one campaign, each with the row that used it first, for refusing a second use.
 * A `Map<string, number>` of a million 8-character orderIds took 0.6 s and 53 MB of heap, every key a string the
 * garbage collector copies and walks. Here the characters go into one growing `Uint16Array` and the rest into typed
 * arrays: 55 MB with the room kept for growing, none of it for the collector to trace, and a third of the time.
 * It only grows: a campaign's orderIds are never removed while it is validated.
 */
const NO_ROW = -1;
const INITIAL_ENTRIES = 1 << 12;

export class OrderIdSet {
  /**
   * Open addressing, linear probing, kept at most half full: pairs of [home, entry index + 1], 0 for a free slot.
   * The home beside the index: a probe then reads one place in memory, not an entry's own arrays.
   */
  private slots = new Int32Array(INITIAL_ENTRIES * 4);
  /** Per entry: its home (so growing needs no string), its first row, and where its characters start in `chars`. */
  private homes = new Int32Array(INITIAL_ENTRIES);
  private rows = new Float64Array(INITIAL_ENTRIES);
  /** Entry e's characters are chars[starts[e], starts[e + 1]). Doubles: the arena may outgrow 2^32 code units. */
  private starts = new Float64Array(INITIAL_ENTRIES + 1);
  private chars = new Uint16Array(INITIAL_ENTRIES * 16);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The row that used `orderId` first; when none did, records it for `row` and returns -1. */
  claim(orderId: string, row: number): number {
    const h = home(orderId);
    const slots = this.slots;
    const mask = slots.length - 2;
    let i = (h << 1) & mask;
    for (let e = slots[i + 1]; e !== 0; e = slots[i + 1]) {
      if (slots[i] === h && this.holds(e - 1, orderId)) return this.rows[e - 1];
      i = (i + 2) & mask;
    }
    this.append(orderId, h, row);
    slots[i] = h;
    slots[i + 1] = this.count;
    if (this.count * 4 > slots.length) this.growSlots();
    return NO_ROW;
  }

  private holds(e: number, s: string): boolean {
    const from = this.starts[e];
    if (this.starts[e + 1] - from !== s.length) return false;
    const chars = this.chars;
    for (let k = 0; k < s.length; k++) if (chars[from + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  private append(s: string, h: number, row: number): void {
    const e = this.count;
    if (e === this.homes.length) this.growEntries();
    let at = this.starts[e];
    if (at + s.length > this.chars.length) {
      const chars = new Uint16Array(Math.max(this.chars.length * 2, at + s.length));
      chars.set(this.chars);
      this.chars = chars;
    }
    const chars = this.chars;
    for (let k = 0; k < s.length; k++) chars[at++] = s.charCodeAt(k);
    this.homes[e] = h;
    this.rows[e] = row;
    this.starts[e + 1] = at;
    this.count++;
  }

  private growEntries(): void {
    const n = this.homes.length * 2;
    const homes = new Int32Array(n);
    const rows = new Float64Array(n);
    const starts = new Float64Array(n + 1);
    homes.set(this.homes);
    rows.set(this.rows);
    starts.set(this.starts);
    this.homes = homes;
    this.rows = rows;
    this.starts = starts;
  }

  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 2;
    for (let e = 0; e < this.count; e++) {
      const h = this.homes[e];
      let i = (h << 1) & mask;
      while (slots[i + 1] !== 0) i = (i + 2) & mask;
      slots[i] = h;
      slots[i + 1] = e + 1;
    }
    this.slots = slots;
  }
}

/**
 * Where an orderId's slot is, and its fingerprint in the table: FNV-1a over all but its last code unit, mixed, picks
 * a block of 16 slots, and the last code unit's low 4 bits the slot in it. Ids that differ only in their last digit
 * (o1230 to o1239: a file sorted by orderId) then share 128 bytes of the table, so such a file costs one memory access
 * per ten rows rather than one a row; ids of no pattern spread as with any hash.
 */
function home(s: string): number {
  const last = s.length - 1;
  let h = 0x811c9dc5;
  for (let k = 0; k < last; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h << 4) | (last < 0 ? 0 : s.charCodeAt(last) & 15);
}
