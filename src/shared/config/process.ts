import type { EnvReader } from './env';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** How each process runs: its log level, its shutdown, and a worker's own metrics port. */
export interface ProcessOptions {
  /**
   * `LOG_LEVEL`, pino's level; logs are JSON on stderr. CLI commands other than `worker` and `server` log at
   * `warn` unless it is set. @defaultValue `'info'`
   */
  logLevel: string;
  /** `SHUTDOWN_GRACE_MS`: on SIGTERM, how long to wait for the batches (or requests) in flight. @defaultValue 30000 */
  shutdownGraceMs: number;
  /** `METRICS_PORT`: where `smsq worker` serves /metrics and /healthz; 0 picks a free port. @defaultValue undefined (none) */
  metricsPort?: number;
}

export function readProcessOptions(r: EnvReader): ProcessOptions {
  const logLevel = r.str('LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) r.problems.push(`LOG_LEVEL=${logLevel} is not one of ${LOG_LEVELS.join(', ')}`);
  return {
    logLevel,
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 30_000, 1_000, 600_000),
    metricsPort: r.str('METRICS_PORT') ? r.int('METRICS_PORT', 0, 0, 65_535) : undefined,
  };
}
