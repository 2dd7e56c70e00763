import { SmsqError } from '../shared/errors';
import { UsageError } from './args';
import { suggestion } from './did-you-mean';
import { commandHelp, version, wantsHelp } from './help';
import { OutputClosed, say, watchOutput } from './output';

type Command = (argv: string[]) => Promise<number>;

/** Loaded on demand, so that `smsq simulator` does not load BullMQ and `smsq enqueue` no HTTP server. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  worker: async () => (await import('./commands/worker')).default,
  server: async () => (await import('./commands/server')).default,
  enqueue: async () => (await import('./commands/enqueue')).default,
  preview: async () => (await import('./commands/preview')).default,
  status: async () => (await import('./commands/status')).statusCommand,
  wait: async () => (await import('./commands/status')).waitCommand,
  results: async () => (await import('./commands/results')).default,
  trace: async () => (await import('./commands/trace')).default,
  cancel: async () => (await import('./commands/control')).cancelCommand,
  'max-cost': async () => (await import('./commands/control')).maxCostCommand,
  pause: async () => (await import('./commands/control')).pauseCommand,
  reschedule: async () => (await import('./commands/control')).rescheduleCommand,
  resume: async () => (await import('./commands/control')).resumeCommand,
  settle: async () => (await import('./commands/delivery')).settleCommand,
  resend: async () => (await import('./commands/resend')).default,
  balance: async () => (await import('./commands/delivery')).balanceCommand,
  accounts: async () => (await import('./commands/accounts')).default,
  suppress: async () => (await import('./commands/suppress')).default,
  simulator: async () => (await import('./commands/simulator')).default,
  replies: async () => (await import('./commands/replies')).default,
  list: async () => (await import('./commands/list')).default,
  webhooks: async () => (await import('./commands/webhooks')).default,
  keys: async () => (await import('./commands/keys')).default,
  audit: async () => (await import('./commands/audit')).default,
};

/** Old names of renamed commands, still run (with a note on stderr): old → new. */
const RENAMED = new Map([['reconcile', 'settle']]);

export const USAGE = `Usage: smsq <command> [options]

Commands:
  worker                          run a worker until SIGINT/SIGTERM (/metrics on METRICS_PORT when set)
  server [--port N]               campaign console (/), HTTP API, bull-board (/admin/queues) and /metrics (port 3000)
  enqueue FILE|- --content TEXT   queue a campaign from CSV (number[,orderId]) or NDJSON; prints its id
          [--content-file F] [--sender-id ID] [--campaign-id ID] [--format csv|ndjson]
          [--skip-invalid] [--keep-duplicates] [--json]
          [--check-balance | --require-balance]  compare the balance with the campaign's cost first
          [--priority high|normal|low] [--max-rate RECIPIENTS_PER_S] [--ignore-frequency-cap]
          [--send-at ISO] [--window 'Mon-Fri 09:00-18:00'|tcpa] [--timezone ZONE]
          [--valid-for 6h | --expire-at ISO]
          [--max-cost AMOUNT]     refuse above this estimated cost, pause when the reported cost reaches it
          [--callback-url URL]    send this campaign's webhook events there (instead of WEBHOOK_URL)
          [--track-links]         short links under LINK_BASE_URL, their clicks counted per recipient
          [--canary N|P%] [--canary-hold 10m] [--max-failed-rate R] [--min-delivered-rate R] [--max-opt-out-rate R]
          [--variant TEXT --variant TEXT ... --winner-by delivered|clicks|replies]  A/B variants (instead of
                                  --content) tried on the canary; the best is sent to the rest
  preview FILE|- --content TEXT [--json]  what enqueue would queue: counts, encodings, segments,
                                  estimated cost, sample texts; queues nothing (same options as enqueue)
  status ID [--json]              state and counts of a campaign
  wait ID [--timeout SECONDS]     block until the campaign ends (exit 0 when completed)
  results ID [--format csv|ndjson] [--with-content]  one line per recipient (with its text)
  trace ID NUMBER [--json]        one recipient's steps in time order: its row, each call and the gateway's answer,
                                  its outcome, delivery report, webhook event, replies and clicks
  list [--state S] [--json]       campaigns, newest first (smsq list --help)
  cancel ID                       cancel a campaign; its unsent recipients end cancelled
  reschedule ID --send-at ISO     move a scheduled campaign's start
  max-cost ID AMOUNT|none         set or remove a campaign's budget cap (raise it for one paused by its budget)
  settle ID [--resend] [--json]   settle unknown recipients from the gateway's sent records;
                                  --resend queues the not-sent ones again
  reconcile ID [--resend] [--json] the old name of settle (deprecated)
  resend ID [--status S,S] [--content TEXT] [--campaign-id NEW] [--json]
                                  queue a new campaign to an ended one's failed, expired, undelivered and
                                  not-sent recipients (or --status); prints its id
  balance [--json]                gateway balance, and messages it pays for at the last known price
  accounts [--json]               every gateway account: state (stopped, breaker), balance, limits, routing
  accounts resume NAME            clear one gateway account's stop and circuit breaker
  pause [ID] [--reason TEXT]      pause one campaign (its batches in flight finish), or without ID the whole queue
  resume [ID]                     resume one campaign, or without ID the whole queue (clears an account-level stop)
  suppress add NUMBER… [--reason R] | remove NUMBER… | import FILE|- [--reason R]
           | list [--format csv|ndjson] | check NUMBER
                                  the suppression list: numbers never sent to (checked at every call)
  simulator [--port N] [...]      run the local gateway simulator (smsq simulator --help)
  replies [--campaign ID] [--since ISO] [--format csv|ndjson]  replies received (recordMo), oldest first
  webhooks failed [--json] [--limit N]  webhook events whose delivery failed for good
  webhooks retry ID...|--all      re-send failed webhook events (same id, same body)
  keys create --name N --scope admin|tenant|read [--tenant T] [--expires 90d] [--json]
                                  an API key, printed once (smsq keys --help: limits and webhook)
  keys list [--json] | revoke ID | update ID [limits|none] [--webhook-url URL|none]
                                  list keys (limits, today's use), revoke one, change its tenant's limits or webhook
  audit [--tenant T] [--campaign ID] [--since ISO|24h] [--limit N] [--json]  who changed what, newest first

Configuration comes from the environment (REDIS_URL, SMS_API_BASE_URL, SMS_API_KEY, ...): see docs/configuration.md.
smsq <command> --help says more of each; smsq --version prints the version.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  if (name === 'help') return main([rest[0], '--help']);
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`smsq ${version()}\n`);
    return 0;
  }
  // `smsq help enqueue` as well as `smsq enqueue --help`; simulator prints its own (it lists its fault flags).
  const helpFor = name === 'help' ? rest[0] : wantsHelp(rest) ? name : undefined;
  const help = helpFor === undefined ? undefined : commandHelp(helpFor);
  if (help !== undefined) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  const renamed = RENAMED.get(name);
  const load = COMMANDS[renamed ?? name];
  if (!load) {
    say(`smsq: unknown command "${name}"${suggestion(name, [...Object.keys(COMMANDS), 'help', 'version'])}\n\n${USAGE}\n`);
    return 2;
  }
  if (renamed) say(`smsq: "${name}" is deprecated: use smsq ${renamed}\n`);
  try {
    return await (
      await load()
    )(rest);
  } catch (err) {
    // The reader of stdout has gone (`| head`): what it wanted, it has.
    if (err instanceof OutputClosed) return 0;
    if (err instanceof UsageError) {
      say(`smsq ${name}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof SmsqError) {
      say(`smsq ${name}: ${err.message} [${err.code}]\n`);
      return 1;
    }
    say(`smsq ${name}: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}

/** Entry point of bin/smsq and of `node dist/cli/main.js`. */
export function run(): void {
  watchOutput();
  // A rejection nothing awaits, or an exception nothing catches, is a bug; Node would end the process with a dump of
  // the error, which for an ioredis error holds its command's arguments (a batch's numbers and orderIds). It ends
  // the process all the same, saying the error's name and message only.
  const fatal = (err: unknown) => {
    say(
      `smsq: unexpected ${err instanceof Error ? err.name : 'error'}: ${err instanceof Error ? err.message : String(err)} (a bug; the process stops)\n`,
    );
    process.exit(1);
  };
  process.on('unhandledRejection', fatal);
  process.on('uncaughtException', fatal);
  // main() answers every error with an exit code; a rejection would be a bug, and reaches `fatal` above.
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Everything the command opened is closed by now; a handle a library forgot (a cluster client's reconnect
    // timer) must not keep a finished command alive. Unref'd: a process that ends by itself ends sooner.
    setTimeout(() => process.exit(code), 3_000).unref();
  });
}

if (require.main === module) run();
