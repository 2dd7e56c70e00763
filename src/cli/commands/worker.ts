import { loadConfig } from '../../shared/load-config';
import { createLogger } from '../../shared/logger';
import { startMetricsServer } from '../../worker/metrics-server';
import { startWorker } from '../../worker/worker';
import { parse } from '../args';
import { untilSignal } from '../signals';

/**
 * `smsq worker`: runs until SIGINT/SIGTERM, then stops taking batches, finishes those in flight (up to
 * SHUTDOWN_GRACE_MS), exits 0. A second signal exits at once: batches cut off then come back on another worker
 * as `unknown` for the call in flight, never sent twice. With METRICS_PORT, serves /metrics and /healthz.
 */
export default async function workerCommand(argv: string[]): Promise<number> {
  parse(argv, {}, { min: 0, max: 0, names: 'no arguments' });
  const config = loadConfig(process.env, { requireGateway: true });
  const log = createLogger(config.logLevel);
  const worker = await startWorker(config, log);
  let metrics;
  try {
    metrics =
      config.metricsPort === undefined
        ? null
        : await startMetricsServer(config.metricsPort, log, { apiToken: config.server.apiToken, apiKeys: worker.apiKeys });
  } catch (err) {
    await worker.close();
    throw err;
  }
  await untilSignal(log, 'shutting down: finishing batches in flight');
  await worker.close();
  await metrics?.close();
  return 0;
}
