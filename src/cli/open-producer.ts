import { createProducer, Producer } from '../producer';
import { loadConfig } from '../shared/config';
import { createLogger } from '../shared/logger';

/**
 * The producer for one CLI command. Its logs stay at warn unless LOG_LEVEL says otherwise, so that a
 * command's stderr holds what the user asked for (bad rows, a summary), not routine JSON lines.
 */
export function openProducer(): Promise<Producer> {
  const config = loadConfig();
  return createProducer(config, createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn'));
}
