import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** Error code given to a connection that did not open in time: the request never left this machine. */
export const CONNECT_TIMEOUT_CODE = 'ECONNTIMEOUT';

/** Sockets that finished connecting (TLS included): a request on one has been written, or is being written. */
const connected = new WeakSet<Socket>();

/** True once the socket connected: a call cut off on it may have reached the gateway. */
export function hasConnected(socket: Socket | null | undefined): boolean {
  return socket != null && connected.has(socket);
}

type CreateConnection = (options: object, callback?: (err: Error | null, socket: Socket) => void) => Socket;

/**
 * Keep-alive agents with a connect timeout. Node has no connect timeout of its own, and the call's deadline
 * (http-instance.ts) covers the whole exchange; separating the two lets a slow connect count as "not sent" (safe to
 * retry) while a slow answer counts as "unknown" (the gateway may have sent the messages).
 */
export function createAgents(connectTimeoutMs: number, maxSockets = 256): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const opts = { keepAlive: true, keepAliveMsecs: 10_000, maxSockets, maxFreeSockets: maxSockets };
  const httpAgent = new http.Agent(opts);
  const httpsAgent = new https.Agent(opts);
  addConnectTimeout(httpAgent, connectTimeoutMs);
  addConnectTimeout(httpsAgent, connectTimeoutMs);
  return { httpAgent, httpsAgent };
}

function addConnectTimeout(agent: http.Agent, ms: number): void {
  const target = agent as unknown as { createConnection: CreateConnection };
  const original = target.createConnection.bind(agent);
  target.createConnection = (options, callback) => {
    const socket = original(options, callback);
    const timer = setTimeout(() => {
      const err = Object.assign(new Error(`could not connect within ${ms} ms`), { code: CONNECT_TIMEOUT_CODE });
      socket.destroy(err);
    }, ms);
    timer.unref();
    socket.once('connect', () => clearTimeout(timer));
    // Marked here rather than read from the socket later: once destroyed, a socket no longer says it was connecting.
    socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => connected.add(socket));
    socket.once('close', () => clearTimeout(timer));
    return socket;
  };
}
