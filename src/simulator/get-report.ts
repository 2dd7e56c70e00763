import { formatGatewayTime } from '../shared/gateway/gateway-time';
import { MAX_REPORT_MSG_IDS } from '../shared/gateway/query-limits';
import type { MemoryLedger } from './ledger';
import type { QueryAnswer } from './query-routes';

/** One row of getReport's `array`; strings throughout, as the reference says of the answers' fields. */
export interface ReportRow {
  msgId: string;
  number: string;
  /** When the final status was known; the acceptance time while still sending. */
  receiveTime: string;
  /** "0" delivered, "-1" still sending, "1" failed. */
  status: '0' | '-1' | '1';
}

/**
 * Answers `msgIds=a,b,c`. An empty list, an id that is not digits, or more than 200 ids answer -14 ("empty field
 * or bad id": the reference lists no code for too many ids). Repeated ids are answered once; ids the ledger does
 * not hold count in `nofound` and are not in `array`. A message's status is -1 until its reportAt, then final,
 * whether or not its report was pushed.
 */
export function answerGetReport(ledger: MemoryLedger, params: URLSearchParams, now: number): QueryAnswer {
  const raw = params.get('msgIds') ?? '';
  const msgIds = raw === '' ? [] : [...new Set(raw.split(','))];
  if (msgIds.length === 0) return { status: '-14', reason: 'msgIds is empty' };
  if (msgIds.length > MAX_REPORT_MSG_IDS) return { status: '-14', reason: `more than ${MAX_REPORT_MSG_IDS} msgIds` };
  if (msgIds.some((id) => !/^\d+$/.test(id))) return { status: '-14', reason: 'bad msgId' };
  const counts = { success: 0, fail: 0, sending: 0, nofound: 0 };
  const array: ReportRow[] = [];
  for (const msgId of msgIds) {
    const e = ledger.byMsgId(msgId);
    if (e === undefined) {
      counts.nofound += 1;
      continue;
    }
    const final = now >= e.reportAt;
    const status = !final ? '-1' : e.deliveryStatus === 0 ? '0' : '1';
    counts[status === '-1' ? 'sending' : status === '0' ? 'success' : 'fail'] += 1;
    array.push({ msgId, number: e.number, receiveTime: formatGatewayTime(final ? e.reportAt : e.at), status });
  }
  return {
    status: '0',
    reason: 'success',
    success: String(counts.success),
    fail: String(counts.fail),
    sending: String(counts.sending),
    nofound: String(counts.nofound),
    array,
  };
}
