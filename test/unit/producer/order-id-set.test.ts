import fc from 'fast-check';
import { OrderIdSet } from '../../../src/producer/order-id-set';
import { FC_SEED } from '../../support/fc-seed';

describe('OrderIdSet', () => {
  it('answers like a Map of first rows for any orderIds, with ids that differ by one character or in length', () => {
    // A few characters, so that the same id, its prefixes and near neighbours come up often; and any string at all.
    const id = fc.oneof(fc.string({ unit: fc.constantFrom('a', 'b', 'é', '😀', '\u0000'), maxLength: 4 }), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(fc.array(id, { maxLength: 300 }), (ids) => {
        const mine = new OrderIdSet();
        const reference = new Map<string, number>();
        ids.forEach((orderId, i) => {
          const first = reference.get(orderId);
          if (first === undefined) reference.set(orderId, i + 1);
          expect(mine.claim(orderId, i + 1)).toBe(first ?? -1);
        });
        expect(mine.size).toBe(reference.size);
      }),
      { seed: FC_SEED },
    );
  });

  it('tells apart ids that share a block of the table: the same start, last characters equal in their low bits', () => {
    // '0', '@', 'P' and 'p' all end in the bits 0000; '' and one-character ids have no start at all.
    const ids = [
      'o120',
      'o12@',
      'o12P',
      'o12p',
      'o12',
      'o1',
      'o',
      '',
      '0',
      '@',
      'o120 ',
      ...Array.from({ length: 40 }, (_, i) => `o12${i}`),
    ];
    const set = new OrderIdSet();
    const reference = new Map<string, number>();
    ids.forEach((orderId, i) => {
      const first = reference.get(orderId);
      if (first === undefined) reference.set(orderId, i + 1);
      expect(set.claim(orderId, i + 1)).toBe(first ?? -1);
    });
    for (const [orderId, row] of reference) expect(set.claim(orderId, 0)).toBe(row);
  });

  it('keeps every orderId of a million through its growth, and finds each one again with its row', () => {
    const set = new OrderIdSet();
    // Counted, then asserted once: a million expect() calls are slow.
    let claimed = 0;
    for (let i = 0; i < 1_000_000; i++) if (set.claim(`order-${i}`, i + 1) === -1) claimed++;
    expect(claimed).toBe(1_000_000);
    let found = 0;
    for (let i = 0; i < 1_000_000; i += 7) if (set.claim(`order-${i}`, 0) === i + 1) found++;
    expect(found).toBe(Math.ceil(1_000_000 / 7));
    expect(set.claim('order-1000000', 5)).toBe(-1);
    expect(set.claim('order-', 6)).toBe(-1);
    expect(set.size).toBe(1_000_002);
  });
});
