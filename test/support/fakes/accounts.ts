/**
 * The accounts' shared state (src/shared/accounts/account-state.ts) in memory: stops, breakers and rate caps as
 * AccountStates keeps them in Redis, without the script atomicity a single-threaded test does not need.
 */
import { AccountStates, type AccountStop, type AccountView } from '../../../src/shared/accounts/account-state';
import type { GatewayAccount } from '../../../src/shared/config';

type Public<T> = Pick<T, { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T]>;

export class FakeAccountStates implements Public<AccountStates> {
  readonly states = new Map<string, AccountView & { probeUntil: number }>();

  constructor(
    private readonly accounts: readonly GatewayAccount[],
    private readonly breaker: { failures: number; openMs: number },
  ) {}

  private state(name: string): AccountView & { probeUntil: number } {
    let s = this.states.get(name);
    if (!s) {
      s = { stop: null, failures: 0, openUntil: 0, probeUntil: 0 };
      this.states.set(name, s);
    }
    return s;
  }

  async read(): Promise<ReadonlyMap<string, AccountView>> {
    return new Map(this.accounts.map((a) => [a.name, { ...this.state(a.name) }]));
  }

  cached(name: string): AccountView {
    return { ...this.state(name) };
  }

  async stop(name: string, stop: AccountStop): Promise<boolean> {
    const s = this.state(name);
    if (s.stop) return false;
    s.stop = stop;
    return true;
  }

  async clear(name?: string): Promise<void> {
    if (name === undefined) this.states.clear();
    else this.states.delete(name);
  }

  async failure(name: string, now = Date.now()): Promise<boolean> {
    const s = this.state(name);
    s.failures++;
    if (s.failures >= this.breaker.failures && s.openUntil <= now) s.openUntil = now + this.breaker.openMs;
    return s.openUntil > now;
  }

  async success(name: string): Promise<void> {
    const s = this.state(name);
    s.failures = 0;
    s.openUntil = 0;
    s.probeUntil = 0;
  }

  async takeProbe(name: string, now = Date.now()): Promise<boolean> {
    const s = this.state(name);
    if (s.openUntil === 0) return true;
    if (s.openUntil > now || s.probeUntil > now) return false;
    s.probeUntil = now + this.breaker.openMs;
    return true;
  }

  async takeRate(): Promise<number> {
    return 0;
  }
}

/** Keeps AccountStates.availability in reach of tests that import only the fakes. */
export const availability = AccountStates.availability;
