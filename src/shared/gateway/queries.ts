import type { AxiosInstance } from 'axios';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { createAgents } from './http-agents';
import { createGatewayHttp } from './http-instance';
import { formatGatewayTime } from './gateway-time';
import {
  parseQueryAnswer,
  readBalanceAnswer,
  readReportAnswer,
  readSentRcdAnswer,
  type BalanceAnswer,
  type QueryResult,
  type ReportAnswer,
  type SentRcdAnswer,
} from './parse-queries';
import { MAX_REPORT_MSG_IDS, MAX_SENT_RCD_WINDOW_MS } from './query-limits';
import { sign, timestampNow } from './sign';

export { describeQueryFailure } from './parse-queries';
export type { BalanceAnswer, QueryFailure, QueryResult, ReportAnswer, ReportRecord, SentRcdAnswer, SentRecord } from './parse-queries';

export { MAX_REPORT_MSG_IDS, MAX_SENT_RCD_WINDOW_MS, SENT_RCD_PAGE_ROWS } from './query-limits';

export interface SentRcdWindow {
  start: Date;
  end: Date;
  /** 0-based row to start from. */
  startIndex: number;
}

/**
 * The gateway's read-only endpoints: getReport (delivery results by msgId), getSentRcd (submissions by time)
 * and getBalance. Signed like sendSms, with a fresh Timestamp per call; since they change nothing, every
 * failure is safe to retry, and none is retried here: the caller chooses when.
 */
export class GatewayQueries {
  private readonly http: AxiosInstance;
  private readonly agents: ReturnType<typeof createAgents>;

  constructor(
    private readonly gateway: Config['gateway'],
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    // 50,000 getSentRcd rows take about 6 MB.
    ({ http: this.http, agents: this.agents } = createGatewayHttp(gateway, 32 * 1024 * 1024));
  }

  /** Delivery results of up to 200 msgIds; an empty list answers without a call. */
  async getReport(msgIds: string[]): Promise<QueryResult<ReportAnswer>> {
    if (msgIds.length > MAX_REPORT_MSG_IDS) throw new RangeError(`getReport takes at most ${MAX_REPORT_MSG_IDS} msgIds, not ${msgIds.length}`);
    if (msgIds.length === 0) return { ok: true, value: { records: [], nofound: 0, sending: 0 } };
    // Commas stay literal, as the reference writes msgIds={id1,id2,...}; msgIds are digits, nothing to encode.
    const query = `appId=${encodeURIComponent(this.gateway.appId)}&msgIds=${msgIds.map(encodeURIComponent).join(',')}`;
    return this.get('getReport', query, (fields) => readReportAnswer(fields, msgIds));
  }

  /**
   * Submissions accepted within the window, from startIndex. Times go as ISO 8601 in the gateway's zone, to the
   * second, URL-encoded (2021-02-12T00%3A00%3A00%2B08%3A00); the start is rounded down and the end up (within
   * 31 days), so that the window never shrinks.
   * Throws a RangeError for an invalid date, an end before the start, a window over 31 days or a bad startIndex.
   */
  async getSentRcd(window: SentRcdWindow): Promise<QueryResult<SentRcdAnswer>> {
    if (Number.isNaN(window.start.getTime()) || Number.isNaN(window.end.getTime())) throw new RangeError('getSentRcd needs valid start and end dates');
    if (window.end < window.start) throw new RangeError('getSentRcd: end is before start');
    if (window.end.getTime() - window.start.getTime() > MAX_SENT_RCD_WINDOW_MS) throw new RangeError('getSentRcd: the window is longer than 31 days');
    const start = Math.floor(window.start.getTime() / 1000) * 1000;
    // Rounding out to whole seconds must not make a window of exactly 31 days one the gateway refuses.
    const end = Math.min(Math.ceil(window.end.getTime() / 1000) * 1000, start + MAX_SENT_RCD_WINDOW_MS);
    if (!Number.isSafeInteger(window.startIndex) || window.startIndex < 0) throw new RangeError('getSentRcd: startIndex must be a whole number ≥ 0');
    const query = [
      `appId=${encodeURIComponent(this.gateway.appId)}`,
      `startTime=${encodeURIComponent(formatGatewayTime(start))}`,
      `endTime=${encodeURIComponent(formatGatewayTime(end))}`,
      `startIndex=${window.startIndex}`,
    ].join('&');
    return this.get('getSentRcd', query, readSentRcdAnswer);
  }

  async getBalance(): Promise<QueryResult<BalanceAnswer>> {
    return this.get('getBalance', '', readBalanceAnswer);
  }

  /** Closes the keep-alive sockets. */
  close(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }

  private async get<T>(endpoint: string, query: string, read: (fields: Record<string, unknown>) => T | null): Promise<QueryResult<T>> {
    const timestamp = timestampNow(this.now());
    const started = Date.now();
    try {
      const res = await this.http.get<string>(query ? `/${endpoint}?${query}` : `/${endpoint}`, {
        headers: {
          Timestamp: timestamp,
          'Api-Key': this.gateway.apiKey,
          Sign: sign(this.gateway.apiKey, this.gateway.apiSecret, timestamp),
        },
      });
      const text = typeof res.data === 'string' ? res.data : '';
      this.log.debug({ endpoint, httpStatus: res.status, ms: Date.now() - started }, 'gateway query answered');
      if (res.status !== 200) return { ok: false, kind: 'http', httpStatus: res.status, message: `gateway answered HTTP ${res.status}` };
      const result = parseQueryAnswer(text, read);
      return result.ok || result.kind !== 'not-json' ? result : { ...result, httpStatus: res.status };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      this.log.debug({ endpoint, code: e.code }, 'gateway query failed');
      return { ok: false, kind: 'transport', message: `${e.code ?? 'EUNKNOWN'}: ${e.message ?? String(err)}` };
    }
  }
}
