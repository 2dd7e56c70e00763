import { deliverySummary } from '../../src/shared/delivery/summary';
import { deliveryRate } from '../../src/cli/format';

describe('the delivery rate', () => {
  it('is delivered / (delivered + undelivered), so a campaign just completed does not read 0%', () => {
    const d = deliverySummary({ dlrDelivered: '2', dlrUndelivered: '0' }, 10);
    expect(d).toMatchObject({ delivered: 2, undelivered: 0, pending: 8, deliveryRate: 1 });
    expect(deliveryRate(d)).toBe('100.0% (8 pending)');
  });

  it('leaves expired messages out of the rate, and is null before the first report', () => {
    expect(deliverySummary({ dlrDelivered: '3', dlrUndelivered: '1', dlrExpired: '6' }, 10)).toMatchObject({ pending: 0, deliveryRate: 0.75 });
    const none = deliverySummary({}, 10);
    expect(none.deliveryRate).toBeNull();
    expect(deliveryRate(none)).toBe('- (10 pending)');
  });
});
