import type { LedgerEntry } from './ledger';

/** One delivery report exactly as the gateway pushes it (pushSmsReport): `msgid` in lower case, `status` a number. */
export interface ReportBody {
  appId: string;
  msgid: string;
  mobile: string;
  /** 0 delivered, 1 failed. */
  status: 0 | 1;
  /** "0" when delivered, else why not. */
  reason: string;
  /** When the final status was known, ms since the epoch. */
  timestamp: number;
  mcc: string;
  mnc: string;
  pricedetail: { pay: string; currency: string; chargeCnt: number; price: string };
}

/**
 * Mobile country codes of a few calling codes, so that pushed reports look like real ones; the network (mnc)
 * is not derivable from a number, so it is "-1" as in the vendor's sample, and so is the mcc of other numbers.
 */
const MCC_BY_CALLING_CODE: Readonly<Record<string, string>> = {
  '1': '310',
  '7': '250',
  '27': '655',
  '33': '208',
  '44': '234',
  '49': '262',
  '52': '334',
  '55': '724',
  '60': '502',
  '62': '510',
  '63': '515',
  '65': '525',
  '66': '520',
  '84': '452',
  '86': '460',
  '91': '404',
  '92': '410',
  '234': '621',
  '254': '639',
  '880': '470',
};

export function reportBody(appId: string, e: LedgerEntry): ReportBody {
  return {
    appId,
    msgid: e.msgId,
    mobile: e.number,
    status: e.deliveryStatus,
    reason: e.deliveryReason,
    timestamp: e.reportAt,
    mcc: mccOf(e.number),
    mnc: '-1',
    pricedetail: { pay: e.pay, currency: e.currency, chargeCnt: e.chargeCnt, price: e.price },
  };
}

export function mccOf(number: string): string {
  for (const length of [3, 2, 1]) {
    const mcc = MCC_BY_CALLING_CODE[number.slice(0, length)];
    if (mcc !== undefined) return mcc;
  }
  return '-1';
}
