import { loadConfig } from '../../shared/load-config';
import { createLogger } from '../../shared/logger';
import { startServer } from '../../server';
import { parse, UsageError } from '../args';
import { untilSignal } from '../signals';

/**
 * `smsq server [--port N]`: the HTTP API, the dashboard and /metrics until SIGINT/SIGTERM; then it takes no new
 * connection, lets requests in flight finish (up to SHUTDOWN_GRACE_MS), closes Redis and exits 0. A second
 * signal exits at once.
 */
export default async function serverCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { port: { type: 'string' } }, { min: 0, max: 0, names: 'no positional arguments' });
  const env = { ...process.env };
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65_535)
      throw new UsageError(`--port must be a port from 0 to 65535, not "${values.port}"`);
    env.SERVER_PORT = values.port;
  }
  const config = loadConfig(env);
  const log = createLogger(config.logLevel);
  const server = await startServer(config, log);
  process.stdout.write(
    `smsq server on ${server.url} (console ${server.url}/, API /v1, bull-board ${server.dashboardUrl}, /metrics, /openapi.json)\n`,
  );
  await untilSignal(log, 'shutting down: finishing requests in flight');
  await server.close();
  return 0;
}
