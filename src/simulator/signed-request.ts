import type { IncomingHttpHeaders } from 'node:http';
import { sign } from '../shared/gateway/sign';
import type { SimulatorState } from './state';

/** A gateway status answered instead of doing what was asked. */
export interface Refusal {
  status: string;
  reason: string;
}

/**
 * The checks every gateway call passes first, in the order a gateway plausibly runs them: Api-Key and Sign,
 * appId, then the Timestamp against the simulator's (skewed) clock. `appId` null means the endpoint takes
 * none (getBalance); a wrong one given anyway still fails. Null when every check passes.
 */
export function refuseUnsigned(state: SimulatorState, headers: IncomingHttpHeaders, appId: string | undefined | null): Refusal | null {
  const { credentials, faults } = state;
  const timestamp = header(headers, 'timestamp') ?? '';
  if (
    header(headers, 'api-key') !== credentials.apiKey ||
    header(headers, 'sign') !== sign(credentials.apiKey, credentials.apiSecret, timestamp)
  ) {
    return { status: '-1', reason: 'authentication error' };
  }
  if (appId !== null && appId !== credentials.appId) return { status: '-1', reason: 'authentication error: unknown appId' };
  const nowSeconds = Date.now() / 1000 + faults.clockSkewSeconds;
  if (!/^\d+$/.test(timestamp) || Math.abs(Number(timestamp) - nowSeconds) > faults.maxTimestampDriftSeconds) {
    return { status: '-16', reason: 'Timestamp expires' };
  }
  return null;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
