import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app';
import type { Config } from '../../src/shared/config';
import { createContext, type Context } from '../../src/shared/context';
import { createLogger, type Logger } from '../../src/shared/logger';
import { testConfig, testEnv } from './env';

/** Long enough for the config's minimum; tests use them as a user would set them. */
export const API_TOKEN = 'test-api-token-0123456789';
export const DASHBOARD = { user: 'operator', password: 'dashboard-password-0123' };
export const BEARER = { authorization: `Bearer ${API_TOKEN}` };
/** The server's variables: API token and dashboard credentials set. */
export const SERVER_VARIABLES: Readonly<Record<string, string>> = {
  API_TOKEN,
  DASHBOARD_USER: DASHBOARD.user,
  DASHBOARD_PASSWORD: DASHBOARD.password,
};

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

/** The JSON error body's code, for `expect(errorCode(res)).toBe('...')`. */
export function errorCode(res: { json(): unknown }): string {
  return (res.json() as { error: { code: string } }).error.code;
}
