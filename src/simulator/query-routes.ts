import type { IncomingHttpHeaders } from 'node:http';
import { roll } from './faults';
import { answerGetBalance } from './get-balance';
import { answerGetReport } from './get-report';
import { answerGetSentRcd } from './get-sent-rcd';
import { refuseUnsigned } from './signed-request';
import type { SimulatorState } from './state';

export type QueryName = 'getReport' | 'getSentRcd' | 'getBalance';

/** Any path ending in one of the query names, as for sendSms. */
export const QUERY_PATH = /\/(getReport|getSentRcd|getBalance)$/;

/** A query's HTTP 200 JSON answer: `status` and `reason`, then the endpoint's fields (all strings but `array`). */
export interface QueryAnswer {
  status: string;
  reason: string;
  [field: string]: unknown;
}

export type QueryReply = { kind: 'json'; answer: QueryAnswer } | { kind: 'http'; statusCode: number; reason: string };

/**
 * Answers one GET of a query endpoint. Checks run as for sendSms: injected HTTP errors, signature, appId and
 * Timestamp, then queryStatus (or forceStatus), transientRate (-18), and last the endpoint's own rules.
 */
export function decideQuery(state: SimulatorState, name: QueryName, headers: IncomingHttpHeaders, params: URLSearchParams): QueryReply {
  const f = state.faults;
  if (roll(f.http500Rate)) return { kind: 'http', statusCode: 500, reason: 'injected HTTP 500' };
  if (roll(f.http429Rate)) return { kind: 'http', statusCode: 429, reason: 'injected HTTP 429' };
  const json = (answer: QueryAnswer): QueryReply => ({ kind: 'json', answer });
  const refusal = refuseUnsigned(state, headers, name === 'getBalance' ? params.get('appId') : (params.get('appId') ?? undefined));
  if (refusal !== null) return json({ ...refusal });
  const forced = f.queryStatus ?? f.forceStatus;
  if (forced !== null) return json({ status: forced, reason: 'status forced by the simulator' });
  if (roll(f.transientRate)) return json({ status: '-18', reason: 'port program exception' });
  switch (name) {
    case 'getReport':
      return json(answerGetReport(state.ledger, params, Date.now()));
    case 'getSentRcd':
      return json(answerGetSentRcd(state.ledger, params, Date.now()));
    case 'getBalance':
      return json(answerGetBalance(f));
  }
}
