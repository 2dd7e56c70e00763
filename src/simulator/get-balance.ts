import type { Faults } from './faults';
import { formatMicrosFixed, GATEWAY_DECIMALS, roundToMicros } from '../shared/delivery/money';
import type { QueryAnswer } from './query-routes';

/** What getBalance shows for an unlimited balance: JSON has no Infinity, and the field is a decimal string. */
export const UNLIMITED_BALANCE = '999999999.0000';

/**
 * The balance in money: the simulator keeps it in messages (sendSms charges one per accepted message, whatever
 * its segments), shown here at the current pricePerSegment. No gift and no credit.
 */
export function answerGetBalance(f: Readonly<Faults>): QueryAnswer {
  const balance =
    f.balance === Infinity
      ? UNLIMITED_BALANCE
      : formatMicrosFixed(Math.round(f.balance * roundToMicros(f.pricePerSegment)), GATEWAY_DECIMALS);
  return { status: '0', reason: 'success', balance, gift: '0', credit: '0' };
}
