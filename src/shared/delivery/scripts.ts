import { lua } from '../redis/lua';

/**
 * The one table from a stored delivery state to the campaign hash counter that counts it (the campaign record
 * reads the same names); `dlrPriced` counts the reports that carried a price. apply-report.lua holds a copy of both,
 * which test/unit/lua-scripts.test.ts holds to these.
 */
export const DELIVERY_COUNTERS = { d: 'dlrDelivered', x: 'dlrUndelivered', e: 'dlrExpired' } as const;
export const PRICED_COUNTER = 'dlrPriced';

export type ApplyResult = 'applied' | 'replaced' | 'duplicate' | 'older' | 'gone';

/**
 * Applies a delivery report to its recipient's record and the campaign's counters: the later report wins, the price
 * is counted once (scripts/apply-report.lua).
 */
export const APPLY_REPORT = lua<
  [deliveries: string, campaign: string, batch: string],
  [
    index: string,
    state: 'd' | 'x' | 'e',
    at: string,
    code: string,
    reason: string,
    payMicros: string,
    currency: string,
    retentionMs: string,
  ],
  ApplyResult
>('apply-report');
