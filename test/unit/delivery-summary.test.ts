import type { DeliveryCounters } from '../../src/shared/campaign/record';
import { deliverySummary } from '../../src/shared/delivery/summary';
import { deliveryRate } from '../../src/cli/format';

const counters = (c: Partial<DeliveryCounters>): DeliveryCounters => ({
  delivered: 0,
  undelivered: 0,
  expired: 0,
  priced: 0,
  cost: {},
  ...c,
});

describe('the delivery rate', () => {
  it('is delivered / (delivered + undelivered), so a campaign just completed does not read 0%', () => {
    const d = deliverySummary(counters({ delivered: 2, undelivered: 0 }), 10);
    expect(d).toMatchObject({ delivered: 2, undelivered: 0, pending: 8, deliveryRate: 1 });
    expect(deliveryRate(d)).toBe('100.0% (8 pending)');
  });

  it('leaves expired messages out of the rate, and is null before the first report', () => {
    expect(deliverySummary(counters({ delivered: 3, undelivered: 1, expired: 6 }), 10)).toMatchObject({ pending: 0, deliveryRate: 0.75 });
    const none = deliverySummary(counters({}), 10);
    expect(none.deliveryRate).toBeNull();
    expect(deliveryRate(none)).toBe('- (10 pending)');
  });
});
