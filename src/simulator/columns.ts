interface NumberArray {
  readonly length: number;
  [i: number]: number;
  set(values: ArrayLike<number>): void;
}

/**
 * A typed array that grows by doubling, for ledger fields that fit in a few bytes: a plain JS array would spend
 * eight bytes on each, a million times over.
 */
export class Column<T extends NumberArray> {
  private data: T;
  private length = 0;

  constructor(private readonly make: (length: number) => T) {
    this.data = make(1024);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  get(i: number): number {
    return this.data[i];
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }
}
