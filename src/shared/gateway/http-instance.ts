import axios, { type AxiosInstance } from 'axios';
import type { Config } from '../config';
import { createAgents } from './http-agents';

/**
 * The axios instance every gateway call goes through: keep-alive agents with their own connect timeout, the
 * whole-call timeout, no redirects (a POST is never followed elsewhere, and without them err.request is the raw
 * ClientRequest), the body as text (the gateway's answers are parsed tolerantly by the caller), and every HTTP
 * status handed to the caller rather than thrown.
 */
export function createGatewayHttp(gateway: Config['gateway'], maxContentLength: number): { http: AxiosInstance; agents: ReturnType<typeof createAgents> } {
  const agents = createAgents(gateway.connectTimeoutMs);
  const http = axios.create({
    baseURL: gateway.baseUrl,
    httpAgent: agents.httpAgent,
    httpsAgent: agents.httpsAgent,
    timeout: gateway.responseTimeoutMs,
    maxRedirects: 0,
    maxContentLength,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    transitional: { clarifyTimeoutError: true },
  });
  return { http, agents };
}
