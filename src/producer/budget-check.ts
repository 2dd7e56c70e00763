/** The budget cap at enqueue: refuse a campaign whose estimated cost is above its `maxCost`. */
import { formatMicros } from '../shared/delivery/money';
import { SmsqError } from '../shared/errors';
import type { TextSummary } from './text-stats';

/** Highest cap accepted: its millionths must stay exact integers (below 2^53). */
const MAX_COST_LIMIT = 1e12;

/** `maxCost` as given (a number of currency units) in millionths, or why it is not a cap. */
export function maxCostMicros(maxCost: unknown): number | string {
  if (typeof maxCost !== 'number' || !Number.isFinite(maxCost) || maxCost <= 0 || maxCost > MAX_COST_LIMIT) {
    return `maxCost must be a number above 0 and at most ${MAX_COST_LIMIT}; it is ${String(maxCost)}`;
  }
  return Math.round(maxCost * 1_000_000);
}

export interface BudgetCheck {
  /** BUDGET_EXCEEDED, when the estimate is above the cap. */
  refusal?: SmsqError;
  /** Said when the cap cannot be checked before sending (no price known, or recipients without one). */
  warning?: string;
}

export function checkBudget(texts: TextSummary, maxCost: number | undefined): BudgetCheck {
  if (maxCost === undefined) return {};
  const over = Object.entries(texts.cost).find(([, amount]) => Math.round(Number(amount) * 1_000_000) > maxCost);
  if (over) {
    const [currency, amount] = over;
    return {
      refusal: new SmsqError(
        'BUDGET_EXCEEDED',
        `The campaign's estimated cost, ${amount} ${currency} (${texts.segments} segments at prices from ${texts.priceSource}), is above its maxCost ${formatMicros(maxCost)}; nothing was queued. Raise maxCost, shorten the text, or check its encoding (smsq preview).`,
        { estimatedCost: texts.cost, maxCost: formatMicros(maxCost), segments: texts.segments, priceSource: texts.priceSource },
      ),
    };
  }
  if (texts.priceSource === 'none') {
    return {
      warning:
        'maxCost could not be checked before sending: no price is known (set SMS_PRICE_PER_SEGMENT or SMS_PRICES_FILE); the campaign pauses when its reported cost reaches it',
    };
  }
  if (texts.unpriced > 0)
    return { warning: `maxCost was checked without ${texts.unpriced} recipients that have no price in ${texts.priceSource}` };
  return {};
}
