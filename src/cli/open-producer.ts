import { createProducer, type Producer } from '../producer';
import { loadConfig } from '../shared/load-config';
import { createLogger } from '../shared/logger';

/**
 * Runs one CLI command's work with a producer, closed afterwards. Its logs stay at warn unless LOG_LEVEL says
 * otherwise, so that a command's stderr holds what the user asked for (bad rows, a summary), not routine JSON.
 */
export async function withProducer<T>(work: (smsq: Producer) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const smsq = await createProducer(config, createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn'));
  try {
    return await work(smsq);
  } finally {
    await smsq.close();
  }
}
