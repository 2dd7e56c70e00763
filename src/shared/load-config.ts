import { readConfig, type Config, type Env, type LoadConfigOptions } from './config';
import { SmsqError } from './errors';

/** Deprecation notes already given: a process that loads its configuration twice says each once. */
const warned = new Set<string>();

/**
 * Reads and validates the environment once (config/). Throws a CONFIG_INVALID error that names every bad
 * variable. A renamed variable set under its old name still counts, with a DeprecationWarning on stderr naming
 * the new one. Apart from config/ so that the configuration imports nothing else of shared.
 */
export function loadConfig(env: Env = process.env, opts: LoadConfigOptions = {}): Config {
  const reading = readConfig(env, opts);
  if (!reading.ok) {
    throw new SmsqError('CONFIG_INVALID', `Configuration is invalid:\n  - ${reading.problems.join('\n  - ')}`, {
      problems: reading.problems,
    });
  }
  for (const note of reading.deprecated) {
    if (warned.has(note)) continue;
    warned.add(note);
    process.emitWarning(note, { type: 'DeprecationWarning', code: 'SMSQ_RENAMED_VARIABLE' });
  }
  return reading.config;
}
