import type { Logger } from '../shared/logger';

/**
 * Resolves on the first SIGINT or SIGTERM, so that a command can stop gracefully; a second signal exits at once
 * (code 130), for an operator who will not wait for the graceful part.
 */
export function untilSignal(log: Logger, stopping: string): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const stop = (signal: NodeJS.Signals) => {
      if (received) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      received = true;
      log.info({ signal }, stopping);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
