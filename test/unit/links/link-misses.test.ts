import { LinkMisses } from '../../../src/server/link-misses';

describe('LinkMisses: guessing tracked links', () => {
  it('refuses a client once it asked for more unknown codes than the limit this minute, and lets it again in the next', () => {
    let now = 1_000_000;
    const misses = new LinkMisses(3, () => now);
    for (let i = 0; i < 3; i++) misses.miss('203.0.113.7');
    expect(misses.blocked('203.0.113.7')).toBe(false);
    misses.miss('203.0.113.7');
    expect(misses.blocked('203.0.113.7')).toBe(true);
    // Another client is not held by this one's misses.
    expect(misses.blocked('203.0.113.8')).toBe(false);
    now += 45_000;
    expect(misses.retryAfter('203.0.113.7')).toBe(15);
    now += 15_000;
    expect(misses.blocked('203.0.113.7')).toBe(false);
  });

  it('never refuses with no limit', () => {
    const misses = new LinkMisses(0);
    for (let i = 0; i < 1_000; i++) misses.miss('203.0.113.7');
    expect(misses.blocked('203.0.113.7')).toBe(false);
  });

  it('keeps a bounded number of addresses: the oldest is forgotten first', () => {
    const misses = new LinkMisses(1, () => 0);
    misses.miss('first');
    misses.miss('first');
    expect(misses.blocked('first')).toBe(true);
    for (let i = 0; i < 100_000; i++) misses.miss(`198.51.${i >> 8}.${i & 255}`);
    expect(misses.blocked('first')).toBe(false);
  });
});
