import axios, { type AxiosInstance } from 'axios';
import type { Config } from '../config';
import { createAgents } from './http-agents';

/** The error code of a call ended by its deadline (SMS_RESPONSE_TIMEOUT_MS), whatever the socket was doing. */
export const DEADLINE_CODE = 'ETIMEDOUT';

/**
 * The axios instance every gateway call goes through: keep-alive agents with their own connect timeout, a
 * wall-clock deadline on the whole call, no redirects (a POST is never followed elsewhere, and without them
 * err.request is the raw ClientRequest), the body as text (the gateway's answers are parsed tolerantly by the
 * caller), and every HTTP status handed to the caller rather than thrown.
 *
 * The deadline is an abort signal, not axios's `timeout`: that one is the socket's idle timeout once the answer
 * has started, so a gateway that sends its headers and then a byte a second held a call (and a worker's slot)
 * for as long as it liked.
 */
export function createGatewayHttp(
  gateway: Config['gateway'],
  maxContentLength: number,
): { http: AxiosInstance; agents: ReturnType<typeof createAgents> } {
  const agents = createAgents(gateway.connectTimeoutMs);
  const http = axios.create({
    baseURL: gateway.baseUrl,
    httpAgent: agents.httpAgent,
    httpsAgent: agents.httpsAgent,
    maxRedirects: 0,
    maxContentLength,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
  });
  // Per call, from the moment it is handed to axios: the answer's last byte must come within the deadline.
  http.interceptors.request.use((config) => {
    config.signal = AbortSignal.timeout(gateway.responseTimeoutMs);
    return config;
  });
  return { http, agents };
}

/** True for the error of a call its deadline ended (axios reports an abort as a cancel; nothing else cancels). */
export function endedByDeadline(err: unknown): boolean {
  return axios.isCancel(err);
}
