/**
 * Guessing tracked links: a client that asks for more than LINK_MISS_LIMIT unknown codes in a minute is answered
 * `429` on every link path for the rest of that minute, valid codes included, so that a guess that hits tells it
 * nothing. A person who mistypes a link misses a few times; a code is 9 random base-62 characters, so a guesser
 * misses almost every time. Kept in the server's memory, by client address (`TRUST_PROXY` makes that the address a
 * reverse proxy forwarded), bounded to MAX_CLIENTS addresses.
 */

/** Addresses tracked at once: past it, the oldest window is forgotten (its client starts afresh). */
const MAX_CLIENTS = 100_000;
const WINDOW_MS = 60_000;

export class LinkMisses {
  /** Address → the start of its current window and its misses in it; Map order is first-seen order. */
  private readonly clients = new Map<string, { since: number; misses: number }>();

  constructor(
    /** Misses per minute allowed; 0: no limit. */
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether this client has used up its misses in the current minute: its link requests are refused until then. */
  blocked(address: string): boolean {
    if (this.limit === 0) return false;
    const c = this.current(address);
    return c !== undefined && c.misses > this.limit;
  }

  /** Counts an unknown code asked for by this client. */
  miss(address: string): void {
    if (this.limit === 0) return;
    const c = this.current(address);
    if (c) {
      c.misses++;
      return;
    }
    if (this.clients.size >= MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value as string);
    this.clients.set(address, { since: this.now(), misses: 1 });
  }

  /** Seconds until this client's window ends: the 429's Retry-After. */
  retryAfter(address: string): number {
    const c = this.current(address);
    return c ? Math.max(1, Math.ceil((c.since + WINDOW_MS - this.now()) / 1000)) : 1;
  }

  private current(address: string): { since: number; misses: number } | undefined {
    const c = this.clients.get(address);
    if (c && this.now() - c.since >= WINDOW_MS) {
      this.clients.delete(address);
      return undefined;
    }
    return c;
  }
}
