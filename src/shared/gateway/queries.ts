import type { AxiosInstance } from 'axios';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { createAgents } from './http-agents';
import { createGatewayHttp, DEADLINE_CODE, endedByDeadline } from './http-instance';
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
import { readMoAnswer, type MoAnswer } from './parse-mo';
import { MAX_MO_WINDOW_MS, MAX_REPORT_MSG_IDS, MAX_SENT_RCD_WINDOW_MS, MO_PAGE_SIZE } from './query-limits';
import { signedHeaders } from './sign';

export { describeQueryFailure } from './parse-queries';
export type { BalanceAnswer, QueryFailure, QueryResult, ReportAnswer, ReportRecord, SentRcdAnswer, SentRecord } from './parse-queries';

export { MAX_REPORT_MSG_IDS, MAX_SENT_RCD_WINDOW_MS, SENT_RCD_PAGE_ROWS } from './query-limits';
export { MAX_MO_WINDOW_MS, MO_EARLIEST_MS, MO_PAGE_SIZE } from './query-limits';
export type { MoAnswer, MoRecord } from './parse-mo';

export interface MoPage {
  start: Date;
  end: Date;
  /** 1-based page. */
  current: number;
  /** Replies per page, 1 to 100. */
  size: number;
}

export interface SentRcdWindow {
  start: Date;
  end: Date;
  /** 0-based row to start from. */
  startIndex: number;
}

/**
 * The gateway's read-only endpoints: getReport (delivery results by msgId), getSentRcd (submissions by time),
 * recordMo (replies by time) and getBalance. Signed like sendSms, with a fresh Timestamp per call; since they
 * change nothing, every failure is safe to retry, and none is retried here: the caller chooses when.
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
    if (msgIds.length > MAX_REPORT_MSG_IDS)
      throw new RangeError(`getReport takes at most ${MAX_REPORT_MSG_IDS} msgIds, not ${msgIds.length}`);
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
    if (Number.isNaN(window.start.getTime()) || Number.isNaN(window.end.getTime()))
      throw new RangeError('getSentRcd needs valid start and end dates');
    if (window.end < window.start) throw new RangeError('getSentRcd: end is before start');
    if (window.end.getTime() - window.start.getTime() > MAX_SENT_RCD_WINDOW_MS)
      throw new RangeError('getSentRcd: the window is longer than 31 days');
    const start = Math.floor(window.start.getTime() / 1000) * 1000;
    // Rounding out to whole seconds must not make a window of exactly 31 days one the gateway refuses.
    const end = Math.min(Math.ceil(window.end.getTime() / 1000) * 1000, start + MAX_SENT_RCD_WINDOW_MS);
    if (!Number.isSafeInteger(window.startIndex) || window.startIndex < 0)
      throw new RangeError('getSentRcd: startIndex must be a whole number ≥ 0');
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

  /**
   * One page of the replies received within the window (recordMo). Unlike the other queries it is a POST of
   * `{appId, current, size, params: {strTime, endTime}}`, times in the gateway's zone to the second, the start
   * rounded down and the end up (within the month), as for getSentRcd.
   * Throws a RangeError for an invalid date, an end before the start, a window over the limit or a bad page.
   */
  async recordMo(page: MoPage): Promise<QueryResult<MoAnswer>> {
    if (Number.isNaN(page.start.getTime()) || Number.isNaN(page.end.getTime()))
      throw new RangeError('recordMo needs valid start and end dates');
    if (page.end < page.start) throw new RangeError('recordMo: end is before start');
    if (page.end.getTime() - page.start.getTime() > MAX_MO_WINDOW_MS) throw new RangeError('recordMo: the window is longer than 28 days');
    if (!Number.isSafeInteger(page.current) || page.current < 1)
      throw new RangeError('recordMo: current (the page) must be a whole number ≥ 1');
    if (!Number.isInteger(page.size) || page.size < 1 || page.size > MO_PAGE_SIZE)
      throw new RangeError(`recordMo: size must be 1 to ${MO_PAGE_SIZE}`);
    const start = Math.floor(page.start.getTime() / 1000) * 1000;
    const end = Math.min(Math.ceil(page.end.getTime() / 1000) * 1000, start + MAX_MO_WINDOW_MS);
    const body = {
      appId: this.gateway.appId,
      current: page.current,
      size: page.size,
      params: { strTime: formatGatewayTime(start), endTime: formatGatewayTime(end) },
    };
    return this.call('recordMo', { method: 'POST', url: '/recordMo', data: JSON.stringify(body) }, readMoAnswer);
  }

  /** Closes the keep-alive sockets. */
  close(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }

  private get<T>(endpoint: string, query: string, read: (fields: Record<string, unknown>) => T | null): Promise<QueryResult<T>> {
    return this.call(endpoint, { method: 'GET', url: query ? `/${endpoint}?${query}` : `/${endpoint}` }, read);
  }

  private async call<T>(
    endpoint: string,
    request: { method: 'GET' | 'POST'; url: string; data?: string },
    read: (fields: Record<string, unknown>) => T | null,
  ): Promise<QueryResult<T>> {
    const headers = signedHeaders(this.gateway, this.now(), request.data !== undefined);
    const started = Date.now();
    try {
      const res = await this.http.request<string>({ ...request, headers });
      const text = typeof res.data === 'string' ? res.data : '';
      this.log.debug({ endpoint, httpStatus: res.status, ms: Date.now() - started }, 'gateway query answered');
      if (res.status !== 200) return { ok: false, kind: 'http', httpStatus: res.status, message: `gateway answered HTTP ${res.status}` };
      const result = parseQueryAnswer(text, read);
      return result.ok || result.kind !== 'not-json' ? result : { ...result, httpStatus: res.status };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const deadline = endedByDeadline(err);
      const code = deadline ? DEADLINE_CODE : (e.code ?? 'EUNKNOWN');
      this.log.debug({ endpoint, code }, 'gateway query failed');
      const message = deadline
        ? `no complete answer within SMS_RESPONSE_TIMEOUT_MS (${this.gateway.responseTimeoutMs} ms)`
        : (e.message ?? String(err));
      return { ok: false, kind: 'transport', message: `${code}: ${message}` };
    }
  }
}
