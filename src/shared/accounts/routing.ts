import type { GatewayAccount } from '../config';
import { countryOf } from '../recipient/country';

/** Why a recipient has no account (results' code): no configured account may send to its number with its sender ID. */
export const NO_ROUTE = 'NO_ROUTE';

/**
 * Which accounts may send to a recipient, in the order they are tried (docs/accounts.md):
 * - eligible: its number matches the account's `prefixes` or `countries` (neither listed: any number), the
 *   campaign's sender ID is among its `senderIds` (none listed: any), and the campaign's pinned accounts, if it
 *   names any, include it;
 * - first, one account of the lowest priority, picked by weight from a hash of the number, so that a number is
 *   routed the same way on every run and traffic splits by weight across numbers; then the other accounts of that
 *   priority, then those of the next priorities, each in configuration order.
 */
export class Router {
  private readonly byName: ReadonlyMap<string, GatewayAccount>;
  /** Orders by campaign (sender ID and pinned accounts) and number prefix: a campaign routes few distinct prefixes. */
  private readonly cache = new Map<string, readonly string[]>();

  /** The one account, when only one is configured and it takes every number and sender ID: routing is then free. */
  readonly only: string | undefined;
  /** How many leading digits a cached decision stands for: the longest configured prefix, and 6 when countries are used. */
  private readonly prefixDigits: number;

  constructor(readonly accounts: readonly GatewayAccount[]) {
    this.byName = new Map(accounts.map((a) => [a.name, a]));
    let n = accounts.some((a) => a.countries.length > 0) ? 6 : 0;
    for (const a of accounts) for (const p of a.prefixes) n = Math.max(n, p.length);
    this.prefixDigits = n;
    const [one] = accounts;
    this.only =
      accounts.length === 1 && one.prefixes.length === 0 && one.countries.length === 0 && one.senderIds.length === 0 ? one.name : undefined;
  }

  /** Names the configuration does not hold: a campaign pinning one of them is refused. */
  unknown(names: readonly string[]): string[] {
    return names.filter((n) => !this.byName.has(n));
  }

  account(name: string): GatewayAccount | undefined {
    return this.byName.get(name);
  }

  /** The recipient's accounts in the order they are tried; empty: no route. */
  route(number: string, senderId?: string, pinned?: readonly string[]): readonly string[] {
    const eligible = this.eligible(number, senderId, pinned);
    if (eligible.length <= 1) return eligible.map((a) => a.name);
    const first = eligible[0].priority;
    const top = eligible.filter((a) => a.priority === first);
    if (top.length === 1) return eligible.map((a) => a.name);
    const pick = weighted(top, number);
    return [pick.name, ...eligible.filter((a) => a !== pick).map((a) => a.name)];
  }

  private eligible(number: string, senderId: string | undefined, pinned: readonly string[] | undefined): GatewayAccount[] {
    const key = `${senderId ?? ''}\u0000${pinned?.join(',') ?? ''}\u0000${number.slice(0, this.prefixDigits)}`;
    const hit = this.cache.get(key);
    const names = hit ?? this.compute(number, senderId, pinned);
    if (!hit && this.cache.size < 100_000) this.cache.set(key, names);
    return names.map((n) => this.byName.get(n) as GatewayAccount);
  }

  private compute(number: string, senderId: string | undefined, pinned: readonly string[] | undefined): string[] {
    const out = this.accounts.filter((a) => {
      if (pinned && pinned.length > 0 && !pinned.includes(a.name)) return false;
      if (a.senderIds.length > 0 && (senderId === undefined || !a.senderIds.includes(senderId))) return false;
      if (a.prefixes.length === 0 && a.countries.length === 0) return true;
      if (a.prefixes.some((p) => number.startsWith(p))) return true;
      const country = a.countries.length > 0 ? countryOf(number) : null;
      return country !== null && a.countries.includes(country);
    });
    // Stable: configuration order within a priority.
    return out.sort((x, y) => x.priority - y.priority).map((a) => a.name);
  }
}

/** One account of `top`, chosen with probability proportional to its weight over numbers (FNV-1a of the number). */
function weighted(top: readonly GatewayAccount[], number: string): GatewayAccount {
  let h = 0x811c9dc5;
  for (let i = 0; i < number.length; i++) {
    h ^= number.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const total = top.reduce((n, a) => n + a.weight, 0);
  let at = h % total;
  for (const a of top) {
    if (at < a.weight) return a;
    at -= a.weight;
  }
  return top[top.length - 1];
}
