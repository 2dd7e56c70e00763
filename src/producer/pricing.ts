/**
 * Where an estimate's prices come from, in order: SMS_PRICE_PER_SEGMENT, the per-country SMS_PRICES_FILE, or the
 * last price a delivery report carried (its `pricedetail.price`, the price of one segment; from reports without
 * it, its `pay` for the whole message, taken as one segment's). The source is named in every estimate.
 */
import type { Context } from '../shared/context';
import { loadPricesFile } from './prices-file';

export interface Price {
  /** Price of one segment, in millionths of `currency`. */
  micros: number;
  currency: string;
}

export interface Pricer {
  /** Said in previews: "SMS_PRICE_PER_SEGMENT", "SMS_PRICES_FILE (path)", "last delivery report (date)" or "none". */
  source: string;
  price(number: string): Price | null;
}

export async function loadPricer(ctx: Context): Promise<Pricer> {
  const t = ctx.config.texts;
  if (t.pricePerSegment) {
    const p = { ...t.pricePerSegment };
    return { source: 'SMS_PRICE_PER_SEGMENT', price: () => p };
  }
  if (t.pricesFile) return loadPricesFile(t.pricesFile);
  const last = await ctx.delivery.lastPrice();
  if (last) {
    const p = { micros: last.segmentMicros ?? last.payMicros, currency: last.currency };
    return { source: `last delivery report (${new Date(last.at).toISOString()})`, price: () => p };
  }
  return { source: 'none', price: () => null };
}
