import type { EnvReader } from './env';

/** The credentials the bundled simulator accepts (`smsq simulator`); they are not secrets. */
export interface SimulatorCredentials {
  /** `SIM_API_KEY` for the simulator; `SMS_API_KEY` when a worker's gateway is local and it is unset. @defaultValue `'sim-key'` */
  apiKey: string;
  /** `SIM_API_SECRET` for the simulator; `SMS_API_SECRET` when the gateway is local and it is unset. @defaultValue `'sim-secret'` */
  apiSecret: string;
  /** `SIM_APP_ID` for the simulator; `SMS_APP_ID` when the gateway is local and it is unset. @defaultValue `'sim-app'` */
  appId: string;
}

/** Credentials the simulator accepts by default (see src/simulator). They are not secrets. */
export const SIMULATOR_CREDENTIALS: Readonly<SimulatorCredentials> = Object.freeze({
  apiKey: 'sim-key',
  apiSecret: 'sim-secret',
  appId: 'sim-app',
});

/** The SMS gateway: where it is, the account's credentials and how long a call may take. */
export interface GatewayConfig {
  /** `SMS_API_BASE_URL`; `<base>/sendSms` is called. @defaultValue `'https://api.itniotech.com/sms'` */
  baseUrl: string;
  /**
   * `SMS_API_KEY`. Workers need it unless the base URL is on this machine (the simulator), where it falls back to
   * SIMULATOR_CREDENTIALS. @defaultValue `''` (the simulator's `'sim-key'` for a local base URL)
   */
  apiKey: string;
  /** `SMS_API_SECRET`, as apiKey. @defaultValue `''` (the simulator's `'sim-secret'` for a local base URL) */
  apiSecret: string;
  /** `SMS_APP_ID`, as apiKey. @defaultValue `''` (the simulator's `'sim-app'` for a local base URL) */
  appId: string;
  /** `SMS_SENDER_ID`: the senderId of campaigns that give none, at most 32 characters. @defaultValue undefined */
  senderId?: string;
  /** `SMS_CONNECT_TIMEOUT_MS`: a call that never connected is retried safely. @defaultValue 5000 */
  connectTimeoutMs: number;
  /**
   * `SMS_RESPONSE_TIMEOUT_MS`: the wall-clock deadline of every gateway call, sends and queries, up to the last byte
   * of the answer; a send that passes it after its connection opened leaves its recipients `unknown`. Must stay
   * below WORKER_LOCK_DURATION_MS. @defaultValue 20000
   */
  responseTimeoutMs: number;
}

/** True when the gateway base URL points at this machine, i.e. at the bundled simulator. */
export function isLocalGateway(baseUrl: string): boolean {
  try {
    const host = new URL(baseUrl).hostname;
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

/** `requireGateway`: the credentials must be set (a worker), unless the gateway is the local simulator. */
export function readGatewayConfig(r: EnvReader, requireGateway: boolean): GatewayConfig {
  const baseUrl = r.url('SMS_API_BASE_URL', 'https://api.itniotech.com/sms', ['http:', 'https:']);
  const local = isLocalGateway(baseUrl);
  const credential = (name: string, value: string, simDefault: string): string => {
    if (value) return value;
    if (local) return simDefault;
    if (requireGateway) r.problems.push(`${name} is missing: set it, or point SMS_API_BASE_URL at the simulator (smsq simulator)`);
    return '';
  };
  const senderId = r.str('SMS_SENDER_ID') || undefined;
  if (senderId !== undefined && [...senderId].length > 32) r.problems.push('SMS_SENDER_ID is longer than 32 characters');
  return {
    baseUrl,
    apiKey: credential('SMS_API_KEY', r.str('SMS_API_KEY'), SIMULATOR_CREDENTIALS.apiKey),
    apiSecret: credential('SMS_API_SECRET', r.str('SMS_API_SECRET'), SIMULATOR_CREDENTIALS.apiSecret),
    appId: credential('SMS_APP_ID', r.str('SMS_APP_ID'), SIMULATOR_CREDENTIALS.appId),
    senderId,
    connectTimeoutMs: r.int('SMS_CONNECT_TIMEOUT_MS', 5_000, 50, 60_000),
    responseTimeoutMs: r.int('SMS_RESPONSE_TIMEOUT_MS', 20_000, 100, 300_000),
  };
}
