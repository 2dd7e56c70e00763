import { formatMicros, formatMicrosFixed, GATEWAY_DECIMALS, roundToMicros, toMicros } from '../../src/shared/delivery/money';
import { bucketOf, normalizeMsgId } from '../../src/shared/delivery/msgid';
import { parsePushBody } from '../../src/shared/delivery/report';

describe('normalizeMsgId', () => {
  it('matches the forms a gateway echoes an id back in: case, leading zeros, spaces', () => {
    expect(normalizeMsgId('2108021059531000096')).toBe('2108021059531000096');
    expect(normalizeMsgId(' 002108021059531000096 ')).toBe('2108021059531000096');
    expect(normalizeMsgId('AbC-01')).toBe('abc-01');
    expect(normalizeMsgId('000')).toBe('0');
  });

  it('spreads ids over buckets', () => {
    const counts = new Array<number>(128).fill(0);
    for (let i = 0; i < 12_800; i++) counts[bucketOf(normalizeMsgId(`21080210595${String(i).padStart(8, '0')}`), 128)]++;
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(150);
  });
});

describe('money in millionths', () => {
  it('reads decimal strings exactly and sums without floating-point drift', () => {
    expect(toMicros('0.02')).toBe(20_000);
    expect(toMicros('12.345678')).toBe(12_345_678);
    expect(toMicros('1.0000009')).toBe(1_000_000);
    expect(toMicros(0.01)).toBe(10_000);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += toMicros('0.01')!;
    expect(formatMicros(sum)).toBe('1000.00');
  });

  it('refuses what is not a plain amount', () => {
    for (const bad of ['', 'abc', '-1', '1e3', '1,5', null, undefined, {}]) expect(toMicros(bad)).toBeNull();
  });

  it('formats with at least two decimals and no trailing zeros past them', () => {
    expect(formatMicros(20_000)).toBe('0.02');
    expect(formatMicros(123_450_000)).toBe('123.45');
    expect(formatMicros(1)).toBe('0.000001');
    expect(formatMicros(-5_000_000)).toBe('-5.00');
  });

  it("formats in the gateway's fixed 4 decimals, rounded, as the simulator answers", () => {
    expect(formatMicrosFixed(20_000, GATEWAY_DECIMALS)).toBe('0.0200');
    expect(formatMicrosFixed(123_450_050, GATEWAY_DECIMALS)).toBe('123.4501');
    expect(formatMicrosFixed(-49, GATEWAY_DECIMALS)).toBe('0.0000');
    expect(formatMicrosFixed(-5_000_000, GATEWAY_DECIMALS)).toBe('-5.0000');
  });

  it('rounds a JavaScript number to micros', () => {
    expect(roundToMicros(0.0035)).toBe(3_500);
    expect(roundToMicros(0.01) * 3).toBe(30_000);
  });
});

describe('parsePushBody', () => {
  const now = 1_764_000_000_000;
  const sample = {
    appId: 'sim-app',
    msgid: '2108021059531000096',
    mobile: '91856321413',
    status: 0,
    reason: '0',
    timestamp: 1629801177192,
    mcc: '404',
    mnc: '-1',
    pricedetail: { pay: '0.02', currency: 'USD', chargeCnt: 2, price: '0.01' },
  };

  it('reads the documented report', () => {
    const { reports, invalid } = parsePushBody(JSON.stringify(sample), now);
    expect(invalid).toEqual([]);
    expect(reports).toEqual([
      {
        msgId: '2108021059531000096',
        state: 'd',
        at: 1629801177192,
        code: '0',
        reason: '0',
        number: '91856321413',
        payMicros: 20_000,
        currency: 'USD',
        segmentPriceMicros: 10_000,
      },
    ]);
  });

  it('keeps every digit of a msgId sent as a bare JSON number', () => {
    const body = JSON.stringify({ ...sample, msgid: 'X' }).replace('"X"', '2108021059531000096');
    expect(parsePushBody(body, now).reports[0].msgId).toBe('2108021059531000096');
  });

  it('takes an array, names each bad element by index, and keeps the good ones', () => {
    const body = JSON.stringify([
      sample,
      { status: 0 },
      { ...sample, status: 'x' },
      'text',
      { ...sample, msgid: 'm2', status: 3, reason: 'UNDELIV' },
    ]);
    const { reports, invalid } = parsePushBody(body, now);
    expect(reports.map((r) => [r.msgId, r.state, r.code, r.reason])).toEqual([
      ['2108021059531000096', 'd', '0', '0'],
      ['m2', 'x', '3', 'UNDELIV'],
    ]);
    expect(invalid).toEqual([
      { index: 1, reason: 'msgid is missing or not an id' },
      { index: 2, reason: 'status is missing or not an integer' },
      { index: 3, reason: 'not a report object' },
    ]);
  });

  it('takes msgId, string statuses and timestamps in seconds; a report without a time gets the receipt time', () => {
    const { reports } = parsePushBody(JSON.stringify({ msgId: 'abc', status: '1', timestamp: 1629801177 }), now);
    expect(reports[0]).toMatchObject({ msgId: 'abc', state: 'x', code: '1', at: 1629801177000 });
    expect(parsePushBody(JSON.stringify({ msgid: 'abc', status: 0 }), now).reports[0].at).toBe(now);
  });

  it('refuses a body that is not JSON', () => {
    expect(() => parsePushBody('msgid=1&status=0', now)).toThrow(RangeError);
  });
});
