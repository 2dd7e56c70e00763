import type { EnvReader } from './env';

/** Texts and what they cost: smart encoding and the prices a preview or a budget estimates with. */
export interface TextsConfig {
  /** `SMS_SMART_ENCODING`: replace look-alike characters (curly quotes, long dashes, odd spaces…) with GSM-7 ones when queueing. @defaultValue true */
  smartEncoding: boolean;
  /**
   * `SMS_PRICE_PER_SEGMENT` (at most 6 decimals) in millionths, with `SMS_PRICE_CURRENCY` (whose own default is
   * `USD`); undefined when no price is set. @defaultValue undefined
   */
  pricePerSegment?: { micros: number; currency: string };
  /** `SMS_PRICES_FILE`: a CSV `country,price,currency`, read when an estimate is made and no SMS_PRICE_PER_SEGMENT is set. @defaultValue undefined */
  pricesFile?: string;
}

export function readTextsConfig(r: EnvReader): TextsConfig {
  const rawPrice = r.str('SMS_PRICE_PER_SEGMENT');
  const currency = r.str('SMS_PRICE_CURRENCY', 'USD').toUpperCase();
  if (!/^[A-Z]{1,8}$/.test(currency)) r.problems.push(`SMS_PRICE_CURRENCY=${currency} is not a currency code such as USD`);
  let pricePerSegment: TextsConfig['pricePerSegment'];
  if (rawPrice) {
    const m = /^(\d{1,9})(?:\.(\d{1,6}))?$/.exec(rawPrice);
    if (!m) r.problems.push(`SMS_PRICE_PER_SEGMENT=${rawPrice} is not a price such as 0.0085 (at most 6 decimals)`);
    else pricePerSegment = { micros: Number(m[1]) * 1_000_000 + Number((m[2] ?? '').padEnd(6, '0')), currency };
  }
  return {
    smartEncoding: r.bool('SMS_SMART_ENCODING', true),
    pricePerSegment,
    pricesFile: r.str('SMS_PRICES_FILE') || undefined,
  };
}
