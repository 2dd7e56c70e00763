import { ACCOUNT_NAME, DEFAULT_ACCOUNT, SIMULATOR_CREDENTIALS } from '../../shared/config';
import { MAX_ACCOUNTS } from '../../shared/config/accounts';
import { createLogger } from '../../shared/logger';
import { startSimulator, type Faults } from '../../simulator';
import { parse, UsageError } from '../args';

const HELP = `Usage: smsq simulator [options]

Runs a local stand-in for the SMS gateway until SIGINT/SIGTERM. Point SMS_API_BASE_URL at the URL it prints.

  --port N              port to listen on (default 4010; 0 picks a free one)
  --host HOST           address to listen on (default 127.0.0.1)
  --accounts a,b        also serve these named accounts (at most ${MAX_ACCOUNTS}), each at /accounts/<name>/sms with its
                        own ledger, balance and faults (the flags below apply to each); prints each one's URL.
                        A named account pushes to --report-url and --reply-url with /accounts/<name> added,
                        the smsq server's push addresses for that account
  --latency MS          delay before every answer
  --transient-rate R    share of calls answered -18 (0 to 1)
  --balance N           messages the account can pay for (default unlimited)
  --refuse-rate R       share of numbers left out of a successful answer
  --hang-rate R         share of calls accepted and never answered
  --garbage-rate R      share of calls accepted and answered with an HTML page
  --http500-rate R      share of calls answered HTTP 500
  --report-url URL      POST delivery reports (pushSmsReport) to this http(s) URL (default: none pushed)
  --reply-url URL       POST replies injected with POST /__sim/replies to this http(s) URL, one per POST
  --report-delay MS     a report is due this long after acceptance, plus up to 2000 ms (default 1000)
  --undelivered-rate R  share of messages whose final status is failed (1) instead of delivered (0)
  --report-loss-rate R  share of messages whose report is never pushed (getReport still knows it)
  --report-duplicate-rate R  share of messages whose report is pushed twice

Credentials: SIM_API_KEY, SIM_API_SECRET, SIM_APP_ID (default ${SIMULATOR_CREDENTIALS.apiKey}, ${SIMULATOR_CREDENTIALS.apiSecret}, ${SIMULATOR_CREDENTIALS.appId}).
Queries: GET getReport, getSentRcd and getBalance, POST recordMo, under the same base URL, signed like sendSms.
Control routes: GET /__sim/stats, GET|POST /__sim/faults, POST /__sim/top-up, GET /__sim/ledger, POST /__sim/reset,
POST /__sim/replies {number, content, sendId?, receiveTime?} (a reply from a recipient, or an array of them);
a named account's are the same under /__sim/accounts/<name>/. Named accounts take the SIM_* credentials too.`;

const RATE_FLAGS = {
  'transient-rate': 'transientRate',
  'refuse-rate': 'refuseRate',
  'hang-rate': 'hangRate',
  'garbage-rate': 'garbageRate',
  'http500-rate': 'http500Rate',
  'undelivered-rate': 'undeliveredRate',
  'report-loss-rate': 'reportLossRate',
  'report-duplicate-rate': 'reportDuplicateRate',
} as const;

/** `smsq simulator [--port N] [...]`: argv is what follows the command name. */
export default async function simulatorCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string' },
      host: { type: 'string' },
      accounts: { type: 'string' },
      latency: { type: 'string' },
      balance: { type: 'string' },
      'transient-rate': { type: 'string' },
      'refuse-rate': { type: 'string' },
      'hang-rate': { type: 'string' },
      'garbage-rate': { type: 'string' },
      'http500-rate': { type: 'string' },
      'undelivered-rate': { type: 'string' },
      'report-loss-rate': { type: 'string' },
      'report-duplicate-rate': { type: 'string' },
      'report-url': { type: 'string' },
      'reply-url': { type: 'string' },
      'report-delay': { type: 'string' },
    },
    { min: 0, max: 0, names: 'no positional arguments' },
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const faults: Partial<Faults> = {};
  for (const name of Object.keys(RATE_FLAGS) as Array<keyof typeof RATE_FLAGS>) {
    const raw = values[name];
    if (raw !== undefined) faults[RATE_FLAGS[name]] = numberFlag(name, raw, 0, 1, 'a number from 0 to 1');
  }
  if (values.latency !== undefined) faults.latencyMs = numberFlag('latency', values.latency, 0, 600_000, 'milliseconds from 0 to 600000');
  if (values.balance !== undefined) faults.balance = numberFlag('balance', values.balance, 0, Infinity, 'a number of messages ≥ 0');
  if (values['report-delay'] !== undefined)
    faults.reportDelayMs = numberFlag('report-delay', values['report-delay'], 0, 86_400_000, 'milliseconds from 0 to 86400000');
  if (values['report-url'] !== undefined) faults.reportUrl = urlFlag('report-url', values['report-url']);
  if (values['reply-url'] !== undefined) faults.replyUrl = urlFlag('reply-url', values['reply-url']);
  const port = values.port === undefined ? 4010 : numberFlag('port', values.port, 0, 65_535, 'a port from 0 to 65535');
  if (!Number.isInteger(port)) throw new UsageError(`--port must be a whole number, not "${values.port}"`);
  const accounts = values.accounts === undefined ? [] : accountsFlag(values.accounts);

  const env = process.env;
  let sim;
  try {
    sim = await startSimulator({
      port,
      host: values.host ?? '127.0.0.1',
      apiKey: env.SIM_API_KEY || SIMULATOR_CREDENTIALS.apiKey,
      apiSecret: env.SIM_API_SECRET || SIMULATOR_CREDENTIALS.apiSecret,
      appId: env.SIM_APP_ID || SIMULATOR_CREDENTIALS.appId,
      faults,
      // Each named account gets its own copy of the flags' faults: its own balance, its own failures.
      accounts: accounts.map((name) => ({ name, faults: { ...faults, ...pushUrlsOf(faults, name) } })),
      logger: createLogger(env.LOG_LEVEL || 'info', 'smsq-simulator'),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${port} is in use: stop what holds it, or pick another with --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${values.host} is not an address of this machine`);
    throw err;
  }
  process.stdout.write(`simulator listening on ${sim.baseUrl} (SMS_API_BASE_URL)\n`);
  // One line each, to paste as the baseUrl of the account's SMS_ACCOUNTS entry.
  for (const name of sim.accounts()) process.stdout.write(`account ${name}: ${sim.account(name).baseUrl}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
  return 0;
}

/** `a,b`: names as SMS_ACCOUNTS takes them, each once, at most MAX_ACCOUNTS. */
function accountsFlag(raw: string): string[] {
  const names = raw.split(',').map((n) => n.trim());
  if (names.length > MAX_ACCOUNTS) throw new UsageError(`--accounts takes at most ${MAX_ACCOUNTS} names, not ${names.length}`);
  const seen = new Set<string>();
  for (const name of names) {
    if (!ACCOUNT_NAME.test(name)) {
      throw new UsageError(
        `--accounts: "${name}" is not an account name (1 to 32 lowercase letters, digits, - and _, first a letter or digit)`,
      );
    }
    if (name === DEFAULT_ACCOUNT) throw new UsageError(`--accounts: "${DEFAULT_ACCOUNT}" is the unnamed account at /sms; name the others`);
    if (seen.has(name)) throw new UsageError(`--accounts: "${name}" is given twice`);
    seen.add(name);
  }
  return names;
}

/**
 * A named account's push addresses: the flags' with `/accounts/<name>` added to the path, as the smsq server takes
 * the reports and replies of that account, so that each is looked up among its own account's messages.
 */
function pushUrlsOf(faults: Partial<Faults>, name: string): Partial<Faults> {
  const of = (raw: string): string => {
    const url = new URL(raw);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/accounts/${name}`;
    return url.toString();
  };
  const urls: Partial<Faults> = {};
  if (typeof faults.reportUrl === 'string') urls.reportUrl = of(faults.reportUrl);
  if (typeof faults.replyUrl === 'string') urls.replyUrl = of(faults.replyUrl);
  return urls;
}

function urlFlag(name: string, raw: string): string {
  let protocol = '';
  try {
    protocol = new URL(raw).protocol;
  } catch {
    // not a URL at all: same message as a wrong protocol
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new UsageError(`--${name} must be an http:// or https:// URL, not "${raw}"`);
  return raw;
}

function numberFlag(name: string, raw: string, min: number, max: number, expected: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || Number.isNaN(n) || n < min || n > max) throw new UsageError(`--${name} must be ${expected}, not "${raw}"`);
  return n;
}
