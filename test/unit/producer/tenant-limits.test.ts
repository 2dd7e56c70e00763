/**
 * A tenant's limits as the enqueue checks them (src/producer/tenant-limits.ts), without Redis: the lane and maxRate
 * decided before a row is read, the share of the day a campaign counts, and the refusal that names the limit.
 */
import { campaignRate, dailyLimitError, dailyShare, limitPassed } from '../../../src/producer/tenant-limits';
import { SmsqError } from '../../../src/shared/errors';

const priced = (cost: Record<string, string>, unpriced = 0) => ({ cost, priceSource: 'SMS_PRICES_FILE (prices.csv)', unpriced });

function thrown(f: () => unknown): SmsqError {
  try {
    f();
  } catch (err) {
    if (err instanceof SmsqError) return err;
    throw err;
  }
  throw new Error('nothing thrown');
}

describe('the lanes a tenant may use', () => {
  it('refuses a priority outside them, the default included, naming the lanes it may use', () => {
    const err = thrown(() => campaignRate('alerts', { lanes: ['high'] }, {}));
    expect(err.code).toBe('LANE_NOT_ALLOWED');
    expect(err.message).toContain('high');
    expect(err.message).toContain('normal (the default)');
    expect(err.details).toEqual({ priority: 'normal', allowed: ['high'] });
    expect(thrown(() => campaignRate('shop', { lanes: ['normal', 'low'] }, { priority: 'high' })).code).toBe('LANE_NOT_ALLOWED');
  });

  it('lets a priority among them through, and leaves a priority that is none to the campaign validation', () => {
    expect(campaignRate('alerts', { lanes: ['high'] }, { priority: 'high' })).toBeUndefined();
    expect(campaignRate('shop', { lanes: ['normal'] }, { priority: 'urgent' })).toBeUndefined();
    expect(campaignRate('shop', {}, { priority: 'high' })).toBeUndefined();
  });
});

describe("a tenant's maxRate", () => {
  it('refuses a campaign asking more', () => {
    const err = thrown(() => campaignRate('shop', { maxRate: 50 }, { maxRate: 51 }));
    expect(err.code).toBe('TENANT_RATE_LIMIT');
    expect(err.details).toEqual({ maxRate: 51, limit: 50 });
  });

  it("gives a campaign asking none the tenant's, and keeps one asking as much or less", () => {
    expect(campaignRate('shop', { maxRate: 50 }, {})).toBe(50);
    expect(campaignRate('shop', { maxRate: 50 }, { maxRate: 50 })).toBe(50);
    expect(campaignRate('shop', { maxRate: 50 }, { maxRate: 7 })).toBe(7);
    expect(campaignRate('shop', {}, { maxRate: 7 })).toBe(7);
    expect(campaignRate('shop', {}, {})).toBeUndefined();
  });
});

describe('what a campaign counts against its day', () => {
  it('counts its recipients and its estimated cost in micros', () => {
    expect(dailyShare('shop', { spendPerDayMicros: 1_000_000 }, 12, priced({ EUR: '0.36' }))).toEqual({
      recipients: 12,
      spendMicros: 360_000,
    });
  });

  it('without a spend limit, counts no spend where none can be summed', () => {
    expect(dailyShare('shop', {}, 3, { cost: {}, priceSource: 'none', unpriced: 3 })).toEqual({ recipients: 3, spendMicros: 0 });
    expect(dailyShare('shop', {}, 3, priced({ EUR: '0.02', USD: '0.01' }))).toEqual({ recipients: 3, spendMicros: 0 });
  });

  it('with a spend limit, refuses a cost it cannot estimate: no price, recipients without one, several currencies', () => {
    const limits = { spendPerDayMicros: 1_000_000 };
    const none = thrown(() => dailyShare('shop', limits, 3, { cost: {}, priceSource: 'none', unpriced: 3 }));
    expect(none.code).toBe('SPEND_NOT_ESTIMATED');
    expect(none.message).toContain('SMS_PRICES_FILE');
    const some = thrown(() => dailyShare('shop', limits, 3, priced({ EUR: '0.02' }, 1)));
    expect(some.code).toBe('SPEND_NOT_ESTIMATED');
    expect(some.message).toContain('1 recipient(s) have no price');
    const two = thrown(() => dailyShare('shop', limits, 3, priced({ EUR: '0.02', USD: '0.01' })));
    expect(two.message).toContain('EUR, USD');
  });
});

describe('the daily limits', () => {
  it('let a campaign fill the day exactly, and refuse one more, recipients before spend', () => {
    const limits = { recipientsPerDay: 10, spendPerDayMicros: 100 };
    expect(limitPassed(limits, { recipients: 6, spendMicros: 60 }, { recipients: 4, spendMicros: 40 })).toBeNull();
    expect(limitPassed(limits, { recipients: 6, spendMicros: 60 }, { recipients: 5, spendMicros: 41 })).toEqual({
      limit: 'recipientsPerDay',
      used: 6,
    });
    expect(limitPassed(limits, { recipients: 6, spendMicros: 60 }, { recipients: 1, spendMicros: 41 })).toEqual({
      limit: 'spendPerDay',
      used: 60,
    });
    expect(limitPassed({}, { recipients: 1e9, spendMicros: 1e15 }, { recipients: 1, spendMicros: 1 })).toBeNull();
  });

  it('refuse with the limit, what is used, what was asked and the end of the UTC day', () => {
    const now = Date.parse('2025-03-04T22:15:00+01:00');
    const recipients = dailyLimitError(
      'shop',
      { recipientsPerDay: 1000 },
      { limit: 'recipientsPerDay', used: 950 },
      { recipients: 100, spendMicros: 0 },
      now,
    );
    expect(recipients.code).toBe('DAILY_LIMIT_REACHED');
    expect(recipients.details).toEqual({
      limit: 'recipientsPerDay',
      limitValue: 1000,
      used: 950,
      requested: 100,
      resetsAt: '2025-03-05T00:00:00.000Z',
    });
    const spend = dailyLimitError(
      'shop',
      { spendPerDayMicros: 5_000_000 },
      { limit: 'spendPerDay', used: 4_990_000 },
      { recipients: 2, spendMicros: 40_000 },
      now,
    );
    expect(spend.details).toEqual({
      limit: 'spendPerDay',
      limitValue: '5.00',
      used: '4.99',
      requested: '0.04',
      resetsAt: '2025-03-05T00:00:00.000Z',
    });
    expect(spend.message).toContain('4.99 of its 5.00');
  });
});
