import { loadConfig } from '../../src/shared/load-config';

describe('texts configuration', () => {
  it('has smart encoding on and no price by default', () => {
    expect(loadConfig({}).texts).toEqual({ smartEncoding: true, pricePerSegment: undefined, pricesFile: undefined });
  });

  it('reads a price per segment exactly, in millionths, with its currency', () => {
    expect(loadConfig({ SMS_PRICE_PER_SEGMENT: '0.0085', SMS_PRICE_CURRENCY: 'eur' }).texts.pricePerSegment).toEqual({
      micros: 8_500,
      currency: 'EUR',
    });
    expect(loadConfig({ SMS_PRICE_PER_SEGMENT: '2' }).texts.pricePerSegment).toEqual({ micros: 2_000_000, currency: 'USD' });
  });

  it('names a bad price, currency or switch', () => {
    expect(() => loadConfig({ SMS_PRICE_PER_SEGMENT: '0,01', SMS_PRICE_CURRENCY: 'US$', SMS_SMART_ENCODING: 'sometimes' })).toThrow(
      /SMS_PRICE_CURRENCY=US\$[\s\S]*SMS_PRICE_PER_SEGMENT=0,01[\s\S]*SMS_SMART_ENCODING=sometimes/,
    );
    expect(() => loadConfig({ SMS_PRICE_PER_SEGMENT: '0.0000001' })).toThrow(/at most 6 decimals/);
  });
});
