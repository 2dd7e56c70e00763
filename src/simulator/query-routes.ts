import type { IncomingHttpHeaders } from 'node:http';
import { roll } from './faults';
import { answerGetBalance } from './get-balance';
import { answerGetReport } from './get-report';
import { answerGetSentRcd } from './get-sent-rcd';
import { answerRecordMo } from './record-mo';
import { refuseUnsigned } from './signed-request';
import type { SimulatorState } from './state';

export type QueryName = 'getReport' | 'getSentRcd' | 'getBalance' | 'recordMo';

/** Any path ending in one of the query names, as for sendSms. recordMo is the one POST among them. */
export const QUERY_PATH = /\/(getReport|getSentRcd|getBalance|recordMo)$/;

/** A query's HTTP 200 JSON answer: `status` and `reason`, then the endpoint's fields (all strings but `array`). */
export interface QueryAnswer {
  status: string;
  reason: string;
  [field: string]: unknown;
}

export type QueryReply = { kind: 'json'; answer: QueryAnswer } | { kind: 'http'; statusCode: number; reason: string };

/**
 * Answers one GET of a query endpoint (all but recordMo). Checks run as for sendSms: injected HTTP errors, signature, appId and
 * Timestamp, then queryStatus (or forceStatus), transientRate and queryTransientRate (-18), and last the endpoint's own rules.
 */
export function decideQuery(
  state: SimulatorState,
  name: Exclude<QueryName, 'recordMo'>,
  headers: IncomingHttpHeaders,
  params: URLSearchParams,
): QueryReply {
  const refused = refuseQuery(state, headers, name === 'getBalance' ? params.get('appId') : (params.get('appId') ?? undefined));
  if (refused !== null) return refused;
  const json = (answer: QueryAnswer): QueryReply => ({ kind: 'json', answer });
  switch (name) {
    case 'getReport':
      return json(answerGetReport(state.ledger, params, Date.now()));
    case 'getSentRcd':
      return json(answerGetSentRcd(state.ledger, params, Date.now()));
    case 'getBalance':
      return json(answerGetBalance(state.faults));
  }
}

/**
 * Answers one POST of recordMo, whose parameters come as a JSON body (appId among them); the checks run as for the
 * other queries. A body that is not a JSON object answers -22, as any bad parameter does.
 */
export function decideRecordMo(state: SimulatorState, headers: IncomingHttpHeaders, raw: string): QueryReply {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    body = null;
  }
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  const refused = refuseQuery(state, headers, typeof fields?.appId === 'string' ? fields.appId : undefined);
  if (refused !== null) return refused;
  if (fields === null) return { kind: 'json', answer: { status: '-22', reason: 'the body must be a JSON object' } };
  return { kind: 'json', answer: answerRecordMo(state.moReplies, fields) };
}

/** The checks every query passes first: injected HTTP errors, signature, appId and Timestamp, forced and transient statuses. */
function refuseQuery(state: SimulatorState, headers: IncomingHttpHeaders, appId: string | undefined | null): QueryReply | null {
  const f = state.faults;
  if (roll(f.http500Rate)) return { kind: 'http', statusCode: 500, reason: 'injected HTTP 500' };
  if (roll(f.http429Rate)) return { kind: 'http', statusCode: 429, reason: 'injected HTTP 429' };
  const refusal = refuseUnsigned(state, headers, appId);
  if (refusal !== null) return { kind: 'json', answer: { ...refusal } };
  const forced = f.queryStatus ?? f.forceStatus;
  if (forced !== null) return { kind: 'json', answer: { status: forced, reason: 'status forced by the simulator' } };
  if (roll(f.transientRate) || roll(f.queryTransientRate))
    return { kind: 'json', answer: { status: '-18', reason: 'port program exception' } };
  return null;
}
