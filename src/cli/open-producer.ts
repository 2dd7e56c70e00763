import { producerFromContext, type Producer } from '../producer';
import { auditedProducer } from '../producer/audited-producer';
import { cliActor } from './actor';
import { createContext, type Context } from '../shared/context';
import { loadConfig } from '../shared/load-config';
import { createLogger } from '../shared/logger';

/**
 * Runs one CLI command's work with a producer, closed afterwards. Its logs stay at warn unless LOG_LEVEL says
 * otherwise, so that a command's stderr holds what the user asked for (bad rows, a summary), not routine JSON.
 * Its changes are recorded in the audit trail as the OS user's (`cli:<user>`).
 */
export async function withProducer<T>(work: (smsq: Producer) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const ctx = await createContext(config, createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn'), 'client');
  const smsq = auditedProducer(producerFromContext(ctx), ctx, cliActor());
  try {
    return await work(smsq);
  } finally {
    await smsq.close();
  }
}

/** As withProducer, with the context itself, for commands on what the producer does not hold (API keys). */
export async function withContext<T>(work: (ctx: Context) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const ctx = await createContext(config, createLogger(process.env.LOG_LEVEL ? config.logLevel : 'warn'), 'client');
  try {
    return await work(ctx);
  } finally {
    await ctx.close();
  }
}
