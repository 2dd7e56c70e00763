/**
 * A set of non-negative whole numbers below 2^53 in one Float64Array with open addressing: about 16 bytes a
 * number at its fullest, where a `Set<number>` of a million numbers costs some 100 MB of heap and much garbage
 * collection. It only grows; a campaign's numbers are never removed while it is validated.
 */
const FREE = -1;

export class NumberSet {
  private table = new Float64Array(1 << 16).fill(FREE);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `n`; false when it was there already. `n` must not be -1, which marks a free slot. */
  add(n: number): boolean {
    // Grown at half full: linear probing stays short.
    if (this.count * 2 >= this.table.length) this.grow();
    const i = this.slot(this.table, n);
    if (this.table[i] === n) return false;
    this.table[i] = n;
    this.count++;
    return true;
  }

  has(n: number): boolean {
    return this.table[this.slot(this.table, n)] === n;
  }

  private slot(table: Float64Array, n: number): number {
    const mask = table.length - 1;
    let i = hash(n) & mask;
    while (table[i] !== FREE && table[i] !== n) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2).fill(FREE);
    // An indexed loop: a typed array's iterator costs several times more over millions of slots.
    for (let i = 0; i < old.length; i++) if (old[i] !== FREE) this.table[this.slot(this.table, old[i])] = old[i];
  }
}

/**
 * Mixes the high and low 32 bits (a 16-digit number spans both) of all but the last 3 bits to pick a block of 8 slots,
 * and the last 3 bits pick the slot in it. Consecutive numbers (a file sorted by number) then share 64 bytes of the
 * table, one memory access per eight rows rather than one a row; numbers of no pattern spread as with any hash.
 */
function hash(n: number): number {
  const lo = n >>> 0;
  const hi = Math.floor(n / 4294967296) >>> 0;
  const h = Math.imul((lo >>> 3) ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  return ((h ^ (h >>> 15)) << 3) | (lo & 7);
}

/**
 * The set's key for a number's digits: `1` followed by them, as a double — exact, since at most 15 digits stay
 * below 2^53, and the `1` keeps leading zeros apart. Computed digit by digit: parsing a concatenated string costs
 * several times more over millions of rows.
 */
export function numberKey(digits: string): number {
  let key = 1;
  for (let i = 0; i < digits.length; i++) key = key * 10 + (digits.charCodeAt(i) - 48);
  return key;
}
