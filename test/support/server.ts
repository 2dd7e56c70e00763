import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app';
import type { Config } from '../../src/shared/config';
import { createContext, type Context } from '../../src/shared/context';
import { createLogger, type Logger } from '../../src/shared/logger';
import { startSimulator, type Simulator } from '../../src/simulator';
import { startWorker, type SmsqWorker } from '../../src/worker/worker';
import { deletePrefix, testConfig, testEnv, uniquePrefix } from './env';

/** Long enough for the config's minimum; tests use them as a user would set them. */
export const API_TOKEN = 'test-api-token-0123456789';
export const DASHBOARD = { user: 'operator', password: 'dashboard-password-0123' };
export const BEARER = { authorization: `Bearer ${API_TOKEN}` };
/** The server's variables: API token and dashboard credentials set. */
export const SERVER_VARIABLES: Readonly<Record<string, string>> = { API_TOKEN, DASHBOARD_USER: DASHBOARD.user, DASHBOARD_PASSWORD: DASHBOARD.password };

/** The server's variables on top of testEnv. */
export function serverEnv(prefix: string, gatewayUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return testEnv(prefix, gatewayUrl, { ...SERVER_VARIABLES, ...overrides });
}

export function serverConfig(prefix: string, gatewayUrl: string, overrides: Record<string, string> = {}): Config {
  return testConfig(prefix, gatewayUrl, { ...SERVER_VARIABLES, ...overrides });
}

export interface TestApp {
  app: FastifyInstance;
  ctx: Context;
  close(): Promise<void>;
}

/** The server's Fastify instance over its own context, ready for inject(); close() closes both. */
export async function openApp(config: Config, log: Logger = createLogger('silent')): Promise<TestApp> {
  const ctx = await createContext(config, log, 'client');
  const app = buildApp(ctx);
  await app.ready();
  return {
    app,
    ctx,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

/**
 * A server app for the calling test file, over its own queue prefix and no reachable gateway: opened before the
 * file's tests, closed (prefix deleted) after them. Call at the top level of the file; read it inside tests.
 */
export function useTestApp(name: string): { readonly prefix: string; readonly server: TestApp } {
  const prefix = uniquePrefix(name);
  let server: TestApp | undefined;
  beforeAll(async () => {
    server = await openApp(serverConfig(prefix, 'http://127.0.0.1:9/sms'));
  });
  afterAll(async () => {
    await server?.close();
    await deletePrefix(prefix);
  });
  return {
    prefix,
    get server() {
      if (!server) throw new Error('useTestApp: read the app inside a test, after beforeAll');
      return server;
    },
  };
}

/** The whole system in this process: the simulator, the server's app (for inject) and one worker. */
export interface Stack {
  sim: Simulator;
  server: TestApp;
  worker: SmsqWorker;
  /** Closes all three and deletes the prefix. */
  close(): Promise<void>;
}

export async function startStack(prefix: string, overrides: Record<string, string> = {}): Promise<Stack> {
  const sim = await startSimulator();
  const config = serverConfig(prefix, sim.baseUrl, overrides);
  const server = await openApp(config);
  const worker = await startWorker(config, createLogger('silent'));
  return {
    sim,
    server,
    worker,
    async close() {
      await worker.close();
      await server.close();
      await sim.close();
      await deletePrefix(prefix);
    },
  };
}

/** The JSON error body's code, for `expect(errorCode(res)).toBe('...')`. */
export function errorCode(res: { json(): unknown }): string {
  return (res.json() as { error: { code: string } }).error.code;
}
