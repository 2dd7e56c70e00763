import type { DeliveryFate } from '../../../src/simulator/delivery-fate';
import { MemoryLedger } from '../../../src/simulator/ledger';

const delivered: DeliveryFate = { failure: null, reportDelayMs: 1000, lost: false, duplicateAfterMs: null };

/** Appends a delivered one-segment message at 0.01 USD. */
function append(ledger: MemoryLedger, number: string, orderId: string, content: string, senderId: string, fate = delivered): string {
  return ledger.append(number, orderId, content, senderId, ledger.chargeId({ chargeCnt: 1, priceMicros: 10_000, currency: 'USD' }), fate);
}

describe('MemoryLedger', () => {
  it("gives msgIds shaped like the gateway's: yyMMddHHmmss then a counter", () => {
    const ledger = new MemoryLedger();
    const before = new Date();
    const msgId = append(ledger, '91856321412', 'o1', 'hi', '');
    const stamp = before.toISOString().slice(2, 16).replace(/\D/g, ''); // yyMMddHHmm, second may tick
    expect(msgId).toMatch(/^\d{19}$/);
    expect(msgId.startsWith(stamp)).toBe(true);
    expect(msgId.slice(12)).toBe('1000000');
  });

  it('finds entries by msgId and by orderId, including orderIds appended after the first lookup', () => {
    const ledger = new MemoryLedger();
    const a = append(ledger, '91856321412', 'o1', 'hi', 'S');
    expect(ledger.byOrderId('o1').map((e) => e.msgId)).toEqual([a]);
    const b = append(ledger, '91856321413', 'o1', 'hi', 'S');
    expect(ledger.byOrderId('o1').map((e) => e.msgId)).toEqual([a, b]);
    expect(ledger.byOrderId('missing')).toEqual([]);
    expect(ledger.byMsgId(b)).toMatchObject({ number: '91856321413', orderId: 'o1', content: 'hi', senderId: 'S' });
    expect(ledger.byMsgId('not-a-msgid')).toBeUndefined();
    expect(ledger.byMsgId('9901010000001000000')).toBeUndefined();
  });

  it('holds a million messages, looks them up directly, and counts no false duplicates', () => {
    const ledger = new MemoryLedger();
    const heapBefore = process.memoryUsage().heapUsed;
    const ids: string[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      const msgId = append(ledger, String(90000000000 + i), `order-${i}`, 'one campaign text', 'ACME');
      if (i % 99_999 === 0) ids.push(msgId);
    }
    const perEntry = (process.memoryUsage().heapUsed - heapBefore) / 1_000_000;
    expect(ledger.size).toBe(1_000_000);
    expect(ledger.duplicates()).toBe(0);
    // About 150 bytes are retained per entry; heapUsed also counts garbage not yet collected, hence the margin.
    expect(perEntry).toBeLessThan(400);
    for (const id of ids) expect(ledger.byMsgId(id)?.msgId).toBe(id);
    expect(ledger.countFor('90000999999')).toBe(1);
    expect(ledger.byOrderId('order-999999')[0].number).toBe('90000999999');
  });
});
