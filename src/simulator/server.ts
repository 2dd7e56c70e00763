import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIMULATOR_CREDENTIALS } from '../shared/config';
import { ACCOUNT_NAME, DEFAULT_ACCOUNT, MAX_ACCOUNTS } from '../shared/config/accounts';
import { createLogger, type Logger } from '../shared/logger';
import { CONTROL_PREFIX } from './control-routes';
import type { Faults } from './faults';
import { sendError } from './http-io';
import type { Ledger } from './ledger';
import { DEFAULT_PUSH_CONCURRENCY } from './report-pusher';
import { SimulatedAccount } from './simulated-account';
import { SimulatorState, type Credentials } from './state';
import type { SimulatorStats } from './stats';

export interface SimulatorOptions {
  /** 0 picks a free port. @defaultValue 0 */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** @defaultValue SIMULATOR_CREDENTIALS.apiKey */
  apiKey?: string;
  /** @defaultValue SIMULATOR_CREDENTIALS.apiSecret */
  apiSecret?: string;
  /** @defaultValue SIMULATOR_CREDENTIALS.appId */
  appId?: string;
  /** Includes the delivery-report settings: reportUrl, reportDelayMs, undeliveredRate, … */
  faults?: Partial<Faults>;
  /** Report POSTs in flight at once, per account. @defaultValue 16 */
  reportConcurrency?: number;
  /**
   * More gateway accounts, served beside the unnamed one above, each with its own credentials, faults (balance
   * included), ledger, reports, replies and stats. At most 32, as SMS_ACCOUNTS; names unique. @defaultValue []
   */
  accounts?: readonly SimulatorAccountOptions[];
  /** @defaultValue a silent logger */
  logger?: Logger;
}

/** A named account: its gateway API under `/accounts/<name>/sms/`, its control routes under `/__sim/accounts/<name>/`. */
export interface SimulatorAccountOptions {
  /** Matches ACCOUNT_NAME (`a`, `backup-1`); not `default`, the name smsq gives the account of SMS_API_*. */
  name: string;
  /** @defaultValue the simulator's apiKey */
  apiKey?: string;
  /** @defaultValue the simulator's apiSecret */
  apiSecret?: string;
  /** @defaultValue the simulator's appId */
  appId?: string;
  /** This account's own faults; the unnamed account's are not inherited. @defaultValue DEFAULT_FAULTS */
  faults?: Partial<Faults>;
}

/** What a test reads and changes of one account: the unnamed one (the Simulator itself) or a named one. */
export interface AccountControls {
  /** The account's gateway base URL: `<baseUrl>/sendSms` is called. */
  readonly baseUrl: string;
  readonly ledger: Ledger;
  /** Applies a partial update; throws a RangeError naming every bad field. */
  setFaults(f: Partial<Faults>): void;
  faults(): Faults;
  /** Adds to the balance. */
  topUp(messages: number): void;
  stats(): SimulatorStats;
}

/** A named account; its baseUrl is what its SMS_ACCOUNTS entry's should be, e.g. http://127.0.0.1:4010/accounts/a/sms */
export interface SimulatorAccount extends AccountControls {
  readonly name: string;
}

/** The simulator, and through it its unnamed account. */
export interface Simulator extends AccountControls {
  readonly port: number;
  /** What SMS_API_BASE_URL should be set to, e.g. http://127.0.0.1:4010/sms */
  readonly baseUrl: string;
  /** A named account; throws a RangeError for a name not in `options.accounts`. */
  account(name: string): SimulatorAccount;
  /** The named accounts' names, in the order given (the unnamed account is not among them). */
  accounts(): string[];
  /** Closes the server and destroys every open socket, hung calls and report pushes included, so that nothing leaks. */
  close(): Promise<void>;
}

/** Keep-alive sockets outlive typical clients' idle timeouts; headersTimeout must exceed keepAliveTimeout. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const HEADERS_TIMEOUT_MS = 66_000;

/** A named account's gateway API is under this prefix and its name; its control routes under the second. */
const ACCOUNT_PREFIX = '/accounts/';
const CONTROL_ACCOUNT_PREFIX = `${CONTROL_PREFIX}accounts/`;

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const credentials: Credentials = {
    apiKey: opts.apiKey ?? SIMULATOR_CREDENTIALS.apiKey,
    apiSecret: opts.apiSecret ?? SIMULATOR_CREDENTIALS.apiSecret,
    appId: opts.appId ?? SIMULATOR_CREDENTIALS.appId,
  };
  const named = checkAccounts(opts.accounts ?? []);
  // Every state is made (its faults checked) before anything starts, so that a bad account leaves nothing open.
  // Each has its own ledger and so its own msgIds: two accounts may answer the same msgId, as smsq allows.
  const mainState = new SimulatorState(credentials, opts.faults);
  const namedStates = named.map((a) => {
    const own = {
      apiKey: a.apiKey ?? credentials.apiKey,
      apiSecret: a.apiSecret ?? credentials.apiSecret,
      appId: a.appId ?? credentials.appId,
    };
    try {
      return new SimulatorState(own, a.faults);
    } catch (err) {
      throw err instanceof RangeError ? new RangeError(`simulator account "${a.name}": ${err.message}`) : err;
    }
  });
  const log = (opts.logger ?? createLogger('silent')).child({ component: 'simulator' });
  const concurrency = opts.reportConcurrency ?? DEFAULT_PUSH_CONCURRENCY;
  const main = new SimulatedAccount(mainState, log, concurrency);
  const accounts = new Map(
    named.map((a, i) => [a.name, new SimulatedAccount(namedStates[i], log.child({ account: a.name }), concurrency)]),
  );
  const closeAccounts = () => [main, ...accounts.values()].forEach((a) => a.close());
  const known = () => [...accounts.keys()].join(', ') || 'none';

  /** Picks the account a request is for, and hands it the path that follows the account's prefix. */
  function route(req: IncomingMessage, res: ServerResponse): Promise<void> | void {
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    const control = path.startsWith(CONTROL_PREFIX);
    const prefix = control ? CONTROL_ACCOUNT_PREFIX : ACCOUNT_PREFIX;
    if (!path.startsWith(prefix)) {
      return control ? main.serveControl(req, res, path.slice(CONTROL_PREFIX.length)) : main.serveGateway(req, res, path, query);
    }
    const [name, rest] = splitName(path.slice(prefix.length));
    const account = accounts.get(name);
    if (account === undefined) return sendError(res, 404, `no simulated account ${JSON.stringify(name)} (named accounts: ${known()})`);
    return control ? account.serveControl(req, res, rest.slice(1)) : account.serveGateway(req, res, rest, query);
  }

  const server = createServer((req, res) => {
    let handled: Promise<void> | void;
    try {
      handled = route(req, res);
    } catch (err) {
      handled = Promise.reject(err);
    }
    Promise.resolve(handled).catch((err: unknown) => {
      log.error({ err }, 'simulator request failed');
      if (!res.headersSent) sendError(res, 500, 'simulator error');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    closeAccounts();
    throw err;
  }
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const origin = `http://${host}:${port}`;
  log.debug({ port, accounts: named.length }, 'simulator listening');

  const views = new Map<string, SimulatorAccount>(
    [...accounts].map(([name, a]) => [name, { name, ...controls(a.state, `${origin}${ACCOUNT_PREFIX}${name}/sms`) }]),
  );
  let closing: Promise<void> | undefined;
  return {
    port,
    ...controls(mainState, `${origin}/sms`),
    account(name) {
      const view = views.get(name);
      if (view === undefined) throw new RangeError(`no simulated account ${JSON.stringify(name)} (named accounts: ${known()})`);
      return view;
    },
    accounts: () => [...views.keys()],
    close() {
      closing ??= new Promise<void>((resolve) => {
        closeAccounts();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function controls(state: SimulatorState, baseUrl: string): AccountControls {
  return {
    baseUrl,
    ledger: state.ledger,
    setFaults: (f) => void state.setFaults(f),
    faults: () => state.copyOfFaults(),
    topUp: (messages) => state.topUp(messages),
    stats: () => state.snapshot(),
  };
}

/** `name/rest…` → [name, '/rest…']; rest is '' when nothing follows the name. */
function splitName(tail: string): [string, string] {
  const slash = tail.indexOf('/');
  return slash < 0 ? [tail, ''] : [tail.slice(0, slash), tail.slice(slash)];
}

/** The named accounts, or a RangeError naming what is wrong: too many, or a bad, reserved or repeated name. */
function checkAccounts(list: readonly SimulatorAccountOptions[]): readonly SimulatorAccountOptions[] {
  if (!Array.isArray(list)) throw new RangeError('simulator accounts must be an array of {name, apiKey?, apiSecret?, appId?, faults?}');
  if (list.length > MAX_ACCOUNTS) throw new RangeError(`a simulator serves at most ${MAX_ACCOUNTS} named accounts, not ${list.length}`);
  const seen = new Set<string>();
  for (const { name } of list) {
    if (typeof name !== 'string' || !ACCOUNT_NAME.test(name)) {
      throw new RangeError(
        `simulator account name ${JSON.stringify(name)} must match ${ACCOUNT_NAME.source} (lowercase letters, digits, - and _)`,
      );
    }
    if (name === DEFAULT_ACCOUNT)
      throw new RangeError(`simulator account name "${DEFAULT_ACCOUNT}" is taken: the unnamed account, at /sms, is it`);
    if (seen.has(name)) throw new RangeError(`simulator account "${name}" is given twice`);
    seen.add(name);
  }
  return list;
}
