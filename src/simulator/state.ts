import { mergeFaults, DEFAULT_FAULTS, type Faults } from './faults';
import { MemoryLedger } from './ledger';
import { StatsCounter } from './stats';

export interface Credentials {
  apiKey: string;
  apiSecret: string;
  appId: string;
}

/** Everything a running simulator remembers: credentials, faults, ledger and counters. */
export class SimulatorState {
  readonly ledger = new MemoryLedger();
  readonly stats = new StatsCounter();
  private current: Faults = { ...DEFAULT_FAULTS };
  // Lookup forms of the list faults, rebuilt whenever faults change: a call checks up to 1000 numbers.
  private refuse = new Set<string>();
  private abnormal = new Set<string>();
  private sensitive: string[] = [];

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
    const text = content.toLowerCase();
    return this.sensitive.some((w) => text.includes(w));
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

  /** Clears the ledger and the counters; faults and balance stay as they are. */
  reset(): void {
    this.ledger.clear();
    this.stats.clear();
  }
}
