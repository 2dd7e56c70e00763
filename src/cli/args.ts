import { parseArgs, type ParseArgsConfig } from 'node:util';
import { suggestion } from './did-you-mean';

/** A command line the user must correct: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

/** What parseArgs gives for each option: a boolean or a string, and a list of them for one with `multiple: true`. */
export type ParsedValues<T extends NonNullable<ParseArgsConfig['options']>> = {
  [K in keyof T]?: T[K] extends { multiple: true }
    ? Array<T[K]['type'] extends 'boolean' ? boolean : string>
    : T[K]['type'] extends 'boolean'
      ? boolean
      : string;
};

/**
 * `parseArgs`, strict and with positionals, whose mistakes become UsageErrors. Callers pass their options
 * inline so that the parsed values keep their types.
 */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  positionals: { min: number; max: number; names: string },
) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    const unknown =
      (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'(-[^']*)'/.exec((err as Error).message)?.[1] : undefined;
    if (unknown !== undefined)
      throw new UsageError(`unknown option ${unknown}${suggestion(unknown, [...Object.keys(options).map((o) => `--${o}`), '--help'])}`);
    throw new UsageError((err as Error).message);
  }
  const n = parsed.positionals.length;
  if (n < positionals.min || n > positionals.max) throw new UsageError(`expected ${positionals.names}`);
  return parsed as { values: ParsedValues<T>; positionals: string[] };
}

export function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, not "${raw}"`);
  return n;
}
