import { SIMULATOR_CREDENTIALS } from '../../src/shared/config';
import { sign, timestampNow } from '../../src/shared/gateway/sign';
import type { SendSmsAnswer, Simulator, SimulatorAccount } from '../../src/simulator';

/** The simulator's unnamed account, or a named one: the helpers call whichever they are given. */
export type Target = Simulator | SimulatorAccount;

/** A sendSms call as the real client would make it, with knobs to get each part wrong. */
export interface Call {
  numbers: string[];
  content?: string;
  orderIds?: string[];
  senderId?: string;
  appId?: string;
  apiKey?: string;
  apiSecret?: string;
  timestamp?: string;
  /** Appended to the simulator's origin; defaults to the target's baseUrl + '/sendSms'. */
  path?: string;
  signal?: AbortSignal;
}

export function post(sim: Target, call: Call): Promise<Response> {
  const apiKey = call.apiKey ?? SIMULATOR_CREDENTIALS.apiKey;
  const timestamp = call.timestamp ?? timestampNow();
  const body: Record<string, string> = {
    appId: call.appId ?? SIMULATOR_CREDENTIALS.appId,
    numbers: call.numbers.join(','),
    content: call.content ?? 'hello world',
  };
  if (call.senderId !== undefined) body.senderId = call.senderId;
  if (call.orderIds !== undefined) body.orderId = call.orderIds.join(',');
  const url = call.path === undefined ? `${sim.baseUrl}/sendSms` : `${new URL(sim.baseUrl).origin}${call.path}`;
  return fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json;charset=UTF-8',
      Timestamp: timestamp,
      'Api-Key': apiKey,
      Sign: sign(apiKey, call.apiSecret ?? SIMULATOR_CREDENTIALS.apiSecret, timestamp),
    },
    body: JSON.stringify(body),
    signal: call.signal,
  });
}

/** Posts and reads the gateway's JSON answer, failing loudly if the answer is not HTTP 200 JSON. */
export async function sendSms(sim: Target, call: Call): Promise<SendSmsAnswer> {
  const res = await post(sim, call);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as SendSmsAnswer;
}

/** `count` distinct valid numbers starting at `first`. */
export function numbersFrom(first: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(first + i));
}

/** A control route of the target: `/__sim/<route>`, or `/__sim/accounts/<name>/<route>` for a named account. */
export async function control(sim: Target, method: 'GET' | 'POST', route: string, body?: unknown): Promise<Response> {
  const prefix = 'name' in sim ? `/__sim/accounts/${sim.name}/` : '/__sim/';
  return fetch(`${new URL(sim.baseUrl).origin}${prefix}${route}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A signed GET of a query endpoint (getReport, getSentRcd, getBalance), `query` already URL-encoded. */
export function getQuery(
  sim: Target,
  endpoint: string,
  query: string,
  auth: { apiKey?: string; apiSecret?: string; timestamp?: string } = {},
): Promise<Response> {
  const apiKey = auth.apiKey ?? SIMULATOR_CREDENTIALS.apiKey;
  const timestamp = auth.timestamp ?? timestampNow();
  return fetch(`${sim.baseUrl}/${endpoint}${query ? `?${query}` : ''}`, {
    headers: { Timestamp: timestamp, 'Api-Key': apiKey, Sign: sign(apiKey, auth.apiSecret ?? SIMULATOR_CREDENTIALS.apiSecret, timestamp) },
  });
}

/** getQuery, then the HTTP 200 JSON answer. */
export async function queryJson(
  sim: Target,
  endpoint: string,
  query: string,
  auth?: Parameters<typeof getQuery>[3],
): Promise<Record<string, unknown>> {
  const res = await getQuery(sim, endpoint, query, auth);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** One element of a sendSms/batch call. */
export interface BatchElement {
  numbers: string[];
  content: string;
  orderIds?: string[];
  senderId?: string;
}

/** A sendSms/batch call as the real client makes it; `array` may be replaced to send a malformed body. */
export async function sendSmsBatch(sim: Target, elements: BatchElement[], raw?: unknown): Promise<Response> {
  const apiKey = SIMULATOR_CREDENTIALS.apiKey;
  const timestamp = timestampNow();
  const body = raw ?? {
    appId: SIMULATOR_CREDENTIALS.appId,
    array: elements.map((e) => ({
      numbers: e.numbers.join(','),
      content: e.content,
      senderId: e.senderId ?? '',
      orderId: (e.orderIds ?? []).join(','),
    })),
  };
  return fetch(`${sim.baseUrl}/sendSms/batch`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json;charset=UTF-8',
      Timestamp: timestamp,
      'Api-Key': apiKey,
      Sign: sign(apiKey, SIMULATOR_CREDENTIALS.apiSecret, timestamp),
    },
    body: JSON.stringify(body),
  });
}
