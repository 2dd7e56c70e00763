import { loadConfig } from '../../shared/config';
import { createLogger } from '../../shared/logger';
import { startWorker } from '../../worker/worker';
import { parse } from '../args';

/** `smsq worker`: runs until SIGINT/SIGTERM, then stops taking batches, finishes those in flight, exits 0. */
export default async function workerCommand(argv: string[]): Promise<number> {
  parse(argv, {}, { min: 0, max: 0, names: 'no arguments' });
  const config = loadConfig(process.env, { requireGateway: true });
  const log = createLogger(config.logLevel);
  const worker = await startWorker(config, log);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down: finishing batches in flight');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await worker.close();
  return 0;
}
