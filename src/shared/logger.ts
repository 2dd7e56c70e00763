import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Paths pino replaces with "[redacted]". Redaction lives here, at the logger, so that no call site has to
 * remember it: the API secret, the Sign, tokens, passwords and Redis URLs with credentials.
 */
export const REDACT_PATHS = [
  'apiSecret',
  '*.apiSecret',
  '*.*.apiSecret',
  // Each gateway account's (SMS_ACCOUNTS), alone, in a list, or in a whole Config.
  'accounts[*].apiSecret',
  '*.accounts[*].apiSecret',
  '*.*.accounts[*].apiSecret',
  'sign',
  'Sign',
  '*.sign',
  '*.Sign',
  '*.headers.Sign',
  '*.headers.sign',
  '*.*.headers.Sign',
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'redisUrl',
  '*.redisUrl',
  // The server's secrets, also where a whole Config is logged (config.server.apiToken, config.server.dashboard).
  'apiToken',
  '*.apiToken',
  '*.*.apiToken',
  'dashboard.password',
  '*.dashboard.password',
  '*.*.dashboard.password',
  // The webhook signing secret (config.webhooks.secret), and WEBHOOK_URL, whose query string may hold a token.
  'secret',
  '*.secret',
  '*.*.secret',
  // A tenant's webhook secret, in its settings (`{ before, after: { webhook: { secret } } }`).
  '*.*.*.secret',
  'webhooks.url',
  '*.webhooks.url',
  // API keys (a created key's answer `{ record, key }`), their hashes, and a tenant's generated webhook secret.
  'key',
  '*.key',
  '*.*.key',
  '*.hash',
  '*.*.hash',
  'webhookSecret',
  '*.webhookSecret',
];

/** Logs go to stderr by default, so that a command's stdout holds only its output (a campaign id, results). */
export function createLogger(level = 'info', name = 'smsq', destination: number | DestinationStream = 2): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Error objects are reduced to type, code and message: a serialized axios error would carry the request
      // headers (Api-Key, Sign) and body, and an ioredis error its command's arguments (a batch's numbers and orderIds).
      serializers: { err: serializeError },
      // The same for an error logged under any other key ({ cause: err }), which pino would otherwise write whole.
      formatters: { log: serializeErrorFields },
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}

export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { code?: unknown; previousErrors?: unknown };
  // A refused MULTI (EXECABORT) says why in the replies before it: their Redis codes (OOM, READONLY), nothing more.
  const previous = Array.isArray(e.previousErrors)
    ? e.previousErrors.map((p) => (p instanceof Error ? p.message.split(' ')[0] : '?'))
    : undefined;
  return { type: e.name, code: e.code, message: e.message, ...(previous ? { previous } : {}) };
}

/** `err` is left to its serializer, which pino runs after this. */
function serializeErrorFields(fields: Record<string, unknown>): Record<string, unknown> {
  const other = (k: string, v: unknown) => k !== 'err' && v instanceof Error;
  if (!Object.entries(fields).some(([k, v]) => other(k, v))) return fields;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, other(k, v) ? serializeError(v) : v]));
}
