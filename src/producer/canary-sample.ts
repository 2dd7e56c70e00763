/**
 * Draws a campaign's canary from its list as the list is read, in one pass and in bounded memory: a count is a
 * uniform random sample of exactly that many (reservoir sampling: the first `size` recipients fill the reservoir,
 * then recipient i replaces a random one of them with the chance size / (i + 1), and the one it replaces goes back
 * to the rest); a share keeps each recipient with that chance (about that share of the list, never more than
 * MAX_CANARY). The draws come from a generator seeded by the campaign's id, so that reading the same list twice
 * draws the same canary.
 */
import { createHash } from 'node:crypto';
import { MAX_CANARY } from '../shared/campaign/canary';

export type CanarySize = { count: number } | { share: number };

export class CanarySample<T> {
  private readonly held: T[] = [];
  private seen = 0;
  private readonly next: () => number;

  constructor(
    private readonly size: CanarySize,
    seed: string,
  ) {
    this.next = seededRandom(seed);
  }

  /** Offers the next recipient; returns the one that goes to the rest of the list (it, one it replaced, or none). */
  offer(item: T): T | undefined {
    const i = this.seen++;
    if ('share' in this.size) {
      if (this.held.length < MAX_CANARY && this.next() < this.size.share) {
        this.held.push(item);
        return undefined;
      }
      return item;
    }
    if (i < this.size.count) {
      this.held.push(item);
      return undefined;
    }
    const j = Math.floor(this.next() * (i + 1));
    if (j >= this.size.count) return item;
    const out = this.held[j];
    this.held[j] = item;
    return out;
  }

  /** The canary, once every recipient was offered. */
  get canary(): readonly T[] {
    return this.held;
  }
}

/** A fast 32-bit generator (mulberry32) seeded from a SHA-256 of the seed: reproducible, not for secrets. */
function seededRandom(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
