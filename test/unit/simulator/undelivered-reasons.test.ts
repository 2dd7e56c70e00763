import { decideFate } from '../../../src/simulator/delivery-fate';
import { DEFAULT_FAULTS, mergeFaults } from '../../../src/simulator/faults';
import { MemoryLedger } from '../../../src/simulator/ledger';

describe("the simulator's undeliveredReasons fault", () => {
  it("fails a chosen number's messages with its reason, whatever undeliveredRate says, and the ledger gives it back", () => {
    const f = mergeFaults(DEFAULT_FAULTS, { undeliveredRate: 0, undeliveredReasons: { '447700900001': 'UNKNOWN_SUBSCRIBER' } });
    expect(decideFate(f, '447700900001').failure).toBe('UNKNOWN_SUBSCRIBER');
    expect(decideFate(f, '447700900002').failure).toBeNull();
    const ledger = new MemoryLedger();
    const charge = ledger.chargeId({ chargeCnt: 1, priceMicros: 10_000, currency: 'USD' });
    ledger.append('447700900001', 'o1', 'hi', '', charge, decideFate(f, '447700900001'));
    ledger.append('447700900003', 'o3', 'hi', '', charge, { failure: 'EXPIRED', reportDelayMs: 0, lost: false, duplicateAfterMs: null });
    expect(ledger.entryAt(0)).toMatchObject({ deliveryStatus: 1, deliveryReason: 'UNKNOWN_SUBSCRIBER' });
    expect(ledger.entryAt(1)).toMatchObject({ deliveryStatus: 1, deliveryReason: 'EXPIRED' });
  });

  it('refuses a value that is not numbers to short reasons', () => {
    for (const bad of [['UNKNOWN'], { '447700900001': '' }, { '447700900001': 'X'.repeat(65) }, { '447700900001': 1 }, null])
      expect(() => mergeFaults(DEFAULT_FAULTS, { undeliveredReasons: bad })).toThrow(/undeliveredReasons must be an object/);
  });
});
