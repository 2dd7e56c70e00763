import { AccountStates, type AccountView, type Availability } from '../shared/accounts/account-state';
import type { Router } from '../shared/accounts/routing';
import type { Recipient } from '../shared/types';

/** Recipients of one account, for one call. */
export interface AccountGroup {
  account: string;
  indices: number[];
}

/** Where a run's recipients go: calls per account, and who has no account (`noRoute`) or none left now (`stranded`). */
export interface Assignment {
  groups: AccountGroup[];
  /** No configured account may send to them (with the campaign's sender ID and pinned accounts): they end NO_ROUTE. */
  noRoute: number[];
  /** Every account of theirs is stopped or was left by them in this run: they wait for an operator. */
  stranded: number[];
}

/**
 * One batch run's routing (docs/accounts.md): each recipient goes to the first of its accounts (Router's order)
 * that is neither stopped nor routed around (open breaker), nor one it already left in this run. An account whose
 * breaker is open is used only when the recipient has no other. A recipient leaves an account only when that
 * account certainly did not send it (the caller decides that); it is never in two calls at once, because a batch
 * makes one call at a time.
 */
export class RunRoutes {
  /** Accounts met stopped, or with their breaker open, in this run. */
  private readonly excluded = new Set<string>();
  /** Per recipient, the accounts it left in this run. */
  private readonly left = new Map<number, Set<string>>();
  private readonly orders = new Map<number, readonly string[]>();

  constructor(
    private readonly router: Router,
    private readonly recipients: readonly Recipient[],
    private readonly senderId: string | undefined,
    private readonly pinned: readonly string[] | undefined,
    private readonly states: ReadonlyMap<string, AccountView>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The account's availability as this run knows it: the view read at its start, and what it met since. */
  availability(account: string): Availability {
    if (this.excluded.has(account)) return 'stopped';
    const v = this.states.get(account);
    return v ? AccountStates.availability(v, this.now()) : 'ok';
  }

  /** Routes nothing more to `account` in this run (it stopped, or its breaker opened). */
  exclude(account: string): void {
    this.excluded.add(account);
  }

  /** The recipients leave `account`: it certainly did not send them. */
  leave(indices: readonly number[], account: string): void {
    for (const i of indices) {
      const set = this.left.get(i) ?? new Set<string>();
      set.add(account);
      this.left.set(i, set);
    }
  }

  /** The account the recipient is tried on first (its route's head), if any may take it. */
  firstAccount(i: number): string | undefined {
    return this.order(i)[0];
  }

  /** Whether the recipient has an account to go to besides `account` and those it left. */
  hasFallback(i: number, account: string): boolean {
    const left = this.left.get(i);
    return this.order(i).some((a) => a !== account && !left?.has(a) && this.availability(a) !== 'stopped');
  }

  /** Groups `indices` by the account each goes to now, in their order. */
  assign(indices: readonly number[]): Assignment {
    const only = this.router.only;
    if (only !== undefined && (this.pinned === undefined || this.pinned.length === 0) && this.left.size === 0) {
      // One account that takes everyone (every installation without SMS_ACCOUNTS): no per-recipient work.
      const up = this.availability(only) !== 'stopped';
      return {
        groups: up && indices.length > 0 ? [{ account: only, indices: [...indices] }] : [],
        noRoute: [],
        stranded: up ? [] : [...indices],
      };
    }
    const byAccount = new Map<string, number[]>();
    const noRoute: number[] = [];
    const stranded: number[] = [];
    for (const i of indices) {
      const order = this.order(i);
      if (order.length === 0) {
        noRoute.push(i);
        continue;
      }
      const account = this.pick(i, order);
      if (account === undefined) stranded.push(i);
      else {
        const group = byAccount.get(account);
        if (group) group.push(i);
        else byAccount.set(account, [i]);
      }
    }
    return { groups: [...byAccount].map(([account, g]) => ({ account, indices: g })), noRoute, stranded };
  }

  /** The first account of the recipient's that is up; one with an open breaker only when none is. */
  private pick(i: number, order: readonly string[]): string | undefined {
    const left = this.left.get(i);
    let fallback: string | undefined;
    for (const a of order) {
      if (left?.has(a)) continue;
      const state = this.availability(a);
      if (state === 'ok' || state === 'probe') return a;
      if (state === 'open' && fallback === undefined) fallback = a;
    }
    return fallback;
  }

  private order(i: number): readonly string[] {
    let o = this.orders.get(i);
    if (o === undefined) {
      o = this.router.route(this.recipients[i].number, this.senderId, this.pinned);
      this.orders.set(i, o);
    }
    return o;
  }
}
