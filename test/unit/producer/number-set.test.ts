import fc from 'fast-check';
import { NumberSet } from '../../../src/producer/number-set';
import { FC_SEED } from '../../support/fc-seed';

describe('NumberSet', () => {
  it('answers like a Set for any numbers a campaign can hold', () => {
    const key = fc.stringMatching(/^[0-9]{6,15}$/).map((d) => Number(`1${d}`));
    fc.assert(
      fc.property(fc.array(key, { maxLength: 300 }), (keys) => {
        const mine = new NumberSet();
        const reference = new Set<number>();
        for (const k of keys) expect(mine.add(k)).toBe(!reference.has(k) && reference.add(k) !== undefined);
        expect(mine.size).toBe(reference.size);
        for (const k of keys) expect(mine.has(k)).toBe(true);
      }),
      { seed: FC_SEED },
    );
  });

  it('answers like a Set for numbers crowded into a few blocks of the table (consecutive runs, a stride of 8)', () => {
    const base = 1_447_700_000_000;
    const crowded = fc.oneof(
      fc.integer({ min: 0, max: 40 }).map((i) => base + i),
      fc.integer({ min: 0, max: 40 }).map((i) => base + 8 * i),
      fc.integer({ min: 0, max: 40 }).map((i) => base + 65_536 * i),
    );
    fc.assert(
      fc.property(fc.array(crowded, { maxLength: 200 }), (keys) => {
        const mine = new NumberSet();
        const reference = new Set<number>();
        for (const k of keys) expect(mine.add(k)).toBe(!reference.has(k) && reference.add(k) !== undefined);
        for (const k of keys) expect(mine.has(k)).toBe(true);
        expect(mine.has(base - 1)).toBe(false);
      }),
      { seed: FC_SEED },
    );
  });

  it('holds a million sequential numbers through its growth, and tells apart leading zeros', () => {
    const set = new NumberSet();
    // Counted, then asserted once: a million expect() calls took over a minute on a busy machine.
    let added = 0;
    for (let i = 0; i < 1_000_000; i++) if (set.add(1_447_700_000_000 + i) === true) added++;
    expect(added).toBe(1_000_000);
    expect(set.size).toBe(1_000_000);
    expect(set.add(1_447_700_000_000)).toBe(false);
    expect(set.has(1_447_699_999_999)).toBe(false);
    // The validator's keys are '1' + digits, so '0123456' and '123456' stay two numbers.
    const zeros = new NumberSet();
    zeros.add(Number('1' + '0123456'));
    expect(zeros.has(Number('1' + '123456'))).toBe(false);
  });
});
