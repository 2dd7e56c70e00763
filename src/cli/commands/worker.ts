import { loadConfig } from '../../shared/config';
import { createLogger } from '../../shared/logger';
import { startWorker } from '../../worker/worker';
import { parse } from '../args';

/**
 * `smsq worker`: runs until SIGINT/SIGTERM, then stops taking batches, finishes those in flight (up to
 * SHUTDOWN_GRACE_MS), exits 0. A second signal exits at once: batches cut off then come back on another worker
 * as `unknown` for the call in flight, never sent twice.
 */
export default async function workerCommand(argv: string[]): Promise<number> {
  parse(argv, {}, { min: 0, max: 0, names: 'no arguments' });
  const config = loadConfig(process.env, { requireGateway: true });
  const log = createLogger(config.logLevel);
  const worker = await startWorker(config, log);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'shutting down: finishing batches in flight');
      resolve();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  await worker.close();
  return 0;
}
