import { readConfig, type Config, type Env, type LoadConfigOptions } from './config';
import { SmsqError } from './errors';

/**
 * Reads and validates the environment once (config/). Throws a CONFIG_INVALID error that names every bad
 * variable. Apart from config/ so that the configuration imports nothing else of shared.
 */
export function loadConfig(env: Env = process.env, opts: LoadConfigOptions = {}): Config {
  const reading = readConfig(env, opts);
  if (!reading.ok) {
    throw new SmsqError('CONFIG_INVALID', `Configuration is invalid:\n  - ${reading.problems.join('\n  - ')}`, {
      problems: reading.problems,
    });
  }
  return reading.config;
}
