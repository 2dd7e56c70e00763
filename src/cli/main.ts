import { SmsqError } from '../shared/errors';
import { UsageError } from './args';

type Command = (argv: string[]) => Promise<number>;

/** Loaded on demand, so that `smsq simulator` does not load BullMQ and `smsq enqueue` no HTTP server. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  worker: async () => (await import('./commands/worker')).default,
  server: async () => (await import('./commands/server')).default,
  enqueue: async () => (await import('./commands/enqueue')).default,
  status: async () => (await import('./commands/status')).statusCommand,
  wait: async () => (await import('./commands/status')).waitCommand,
  results: async () => (await import('./commands/results')).default,
  cancel: async () => (await import('./commands/control')).cancelCommand,
  pause: async () => (await import('./commands/control')).pauseCommand,
  resume: async () => (await import('./commands/control')).resumeCommand,
  reconcile: async () => (await import('./commands/delivery')).reconcileCommand,
  balance: async () => (await import('./commands/delivery')).balanceCommand,
  simulator: async () => (await import('./commands/simulator')).default,
  webhooks: async () => (await import('./commands/webhooks')).default,
};

export const USAGE = `Usage: smsq <command> [options]

Commands:
  worker                          run a worker until SIGINT/SIGTERM (/metrics on METRICS_PORT when set)
  server [--port N]               HTTP API, dashboard (/admin/queues) and /metrics (default port 3000)
  enqueue FILE|- --content TEXT   queue a campaign from CSV (number[,orderId]) or NDJSON; prints its id
          [--content-file F] [--sender-id ID] [--campaign-id ID] [--format csv|ndjson]
          [--skip-invalid] [--keep-duplicates]
          [--check-balance | --require-balance]  compare the balance with the campaign's cost first
          [--callback-url URL]    send this campaign's webhook events there (instead of WEBHOOK_URL)
  status ID [--json]              state and counts of a campaign
  wait ID [--timeout SECONDS]     block until the campaign ends (exit 0 when completed)
  results ID [--format csv|ndjson] one line per recipient
  cancel ID                       cancel a campaign; its unsent recipients end cancelled
  reconcile ID [--resend] [--json] settle unknown recipients from the gateway's sent records;
                                  --resend queues the not-sent ones again
  balance [--json]                gateway balance, and messages it pays for at the last known price
  pause | resume                  stop / restart sending for the whole queue
  simulator [--port N] [...]      run the local gateway simulator (smsq simulator --help)
  webhooks failed [--json] [--limit N]  webhook events whose delivery failed for good
  webhooks retry ID...|--all      re-send failed webhook events (same id, same body)

Configuration comes from the environment (REDIS_URL, SMS_API_BASE_URL, SMS_API_KEY, ...): see README.md.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`smsq: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`smsq ${name}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof SmsqError) {
      process.stderr.write(`smsq ${name}: ${err.message} [${err.code}]\n`);
      return 1;
    }
    process.stderr.write(`smsq ${name}: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}

/** Entry point of bin/smsq and of `node dist/cli/main.js`. */
export function run(): void {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Everything the command opened is closed by now; a handle a library forgot (a cluster client's reconnect
    // timer) must not keep a finished command alive. Unref'd: a process that ends by itself ends sooner.
    setTimeout(() => process.exit(code), 3_000).unref();
  });
}

if (require.main === module) run();
