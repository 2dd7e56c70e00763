import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createProducer, producerFromContext, type Producer } from '../../src/producer';
import type { Config } from '../../src/shared/config';
import { createContext, type Context, type ContextOptions } from '../../src/shared/context';
import { loadConfig } from '../../src/shared/load-config';
import { createLogger, type Logger } from '../../src/shared/logger';
import type { CampaignInfo, RecipientResult } from '../../src/shared/types';
import { DEFAULT_FAULTS, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { startWorker, type SmsqWorker } from '../../src/worker/worker';
import { WorkerProcess } from './cli';
import { startCuttingProxy, type CuttingProxy } from './cutting-proxy';
import { deletePrefix, testEnv, uniquePrefix, waitFor } from './env';
import { openApp, SERVER_VARIABLES, type TestApp } from './server';

/** Polls until the campaign has ended with every recipient settled (completed, failed or cancelled); its info then. */
export function campaignEnded(producer: Producer, campaignId: string, timeoutMs = 60_000): Promise<CampaignInfo> {
  return waitFor(
    `campaign ${campaignId} to end`,
    async () => {
      const info = await producer.getCampaign(campaignId);
      return ['completed', 'failed', 'cancelled'].includes(info.state) && info.counts.pending === 0 ? info : undefined;
    },
    timeoutMs,
  );
}

/** Polls until no recipient is pending and the campaign is neither queued nor running (paused counts); its info then. */
export function campaignSettled(producer: Producer, campaignId: string, timeoutMs = 60_000): Promise<CampaignInfo> {
  return waitFor(
    `campaign ${campaignId} to settle`,
    async () => {
      const info = await producer.getCampaign(campaignId);
      return info.counts.pending === 0 && info.state !== 'running' && info.state !== 'queued' ? info : undefined;
    },
    timeoutMs,
  );
}

/** Every recipient's result, in recipient order. */
export async function resultsOf(
  producer: Producer,
  campaignId: string,
  opts?: Parameters<Producer['campaignResults']>[1],
): Promise<RecipientResult[]> {
  const out: RecipientResult[] = [];
  for await (const r of producer.campaignResults(campaignId, opts)) out.push(r);
  return out;
}

/** A Redis of the file's own (OwnRedis, SentinelGroup): the stack starts it before the rest and destroys it after. */
export interface OwnedRedis {
  /** The variables that point smsq at it (REDIS_URL, or REDIS_SENTINELS). */
  readonly env: Record<string, string>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** What a worker or producer the test opens may be given: a clock set to another moment, a logger that is not silent. */
export interface OpenOptions extends ContextOptions {
  logger?: Logger;
}

/** A process a test starts (a WorkerProcess, a ServerProcess). */
interface Killable {
  kill(signal: NodeJS.Signals): Promise<unknown>;
}

export interface CampaignStackOptions {
  /** Variables on top of testEnv's, as a user would set them; a function is called in beforeAll, after the hooks above the stack's. */
  env?: Record<string, string> | (() => Record<string, string>);
  /** The simulator's options, its faults also those it is set back to after each test; false: none, and no gateway answers. */
  simulator?: SimulatorOptions | false;
  /** A Redis of the file's own instead of the shared one; no prefix is deleted, the Redis goes. */
  redis?: OwnedRedis;
  /** A cutting proxy in front of the simulator (`proxy`), the gateway smsq is given; its cut rate is back to 0 after each test. */
  cuttingProxy?: boolean;
  /** The server's app over the config, with the server's variables (`server`, for inject); 'listen' also serves it on a port. */
  app?: 'inject' | 'listen';
  /** With app 'listen': the simulator pushes its delivery reports to the app (`reportUrl`) from the start, and after each test. */
  pushReports?: boolean;
  /** Workers started in beforeAll and closed in afterAll, for files whose every test needs them. @defaultValue 0 */
  workers?: number;
  /** false: no producer (`producer`, `ctx`), for files that need none (smsq run as processes, the app alone). @defaultValue true */
  producer?: boolean;
  /** A temporary directory (`dir`) for the files tests write, removed in afterAll. @defaultValue false */
  dir?: boolean;
  /** For the stack's beforeAll and afterAll (a Redis group of the file's own takes a while). @defaultValue jest's testTimeout */
  timeoutMs?: number;
}

/** What a test file works with; read it inside tests (it is opened in beforeAll). */
export interface CampaignStack {
  readonly prefix: string;
  readonly sim: Simulator;
  /** The environment a user would give `smsq`: testEnv over the gateway, with the file's variables. */
  readonly env: Record<string, string>;
  readonly config: Config;
  readonly producer: Producer;
  /** The producer's context: queues, stores and keys as the code reads them. */
  readonly ctx: Context;
  readonly proxy: CuttingProxy;
  readonly server: TestApp;
  /** The listening app's base URL, and where it takes delivery reports (DLR_TOKEN) and replies (REPLY_TOKEN) pushed to it. */
  readonly url: string;
  readonly reportUrl: string;
  readonly replyUrl: string;
  readonly dir: string;
  /** The file's configuration with these variables on top, read as a user's would be. */
  configWith(variables: Record<string, string>): Config;
  /** Starts a worker on the file's config with these fields changed; it is closed after the test. */
  worker(overrides?: Partial<Config>, opts?: OpenOptions): Promise<SmsqWorker>;
  /** Opens another producer on the file's config with these fields changed; it is closed after the test. */
  openProducer(overrides?: Partial<Config>, opts?: OpenOptions): Promise<Producer>;
  /** Starts an `smsq worker` process (on `env` unless told); it is killed after the test. */
  workerProcess(env?: NodeJS.ProcessEnv): WorkerProcess;
  /** Kills this process after the test, or with 'file' after the file's tests (before the rest closes); returns it. */
  process<P extends Killable>(p: P, lasts?: 'test' | 'file'): P;
}

/** Port 9 (discard): nothing listens there, so a file without a simulator never reaches a gateway. */
const NO_GATEWAY = 'http://127.0.0.1:9/sms';

interface Parts {
  sim: Simulator;
  env: Record<string, string>;
  config: Config;
  producer: Producer;
  ctx: Context;
  proxy: CuttingProxy;
  server: TestApp;
  url: string;
  dir: string;
}

/**
 * One stack for every integration and CLI test file: the simulator (behind a cutting proxy if asked, or none), the
 * environment and configuration over it with the file's own queue prefix, a producer, and what the file asks for (a
 * Redis of its own, the server's app, workers for the whole file, a directory). Opened before the file's tests and
 * closed after them, the prefix deleted. After each test the workers, producers and processes it started are closed,
 * sending is resumed and the simulator's faults are back to those it started with. Call it at the top level of the
 * file or of a describe: hooks declared above it run before it opens (a receiver whose URL `env` reads), and its
 * afterEach closes the test's workers before the afterEach hooks declared below it run.
 */
export function useCampaignStack(name: string, options: CampaignStackOptions = {}): CampaignStack {
  const prefix = uniquePrefix(name);
  const log = createLogger('silent');
  const parts: Partial<Parts> = {};
  const forFile: Array<{ close(): Promise<unknown> }> = [];
  const perTest: Array<{ close(): Promise<unknown> }> = [];
  const get = <K extends keyof Parts>(key: K, option?: string): Parts[K] => {
    const part = parts[key];
    if (part === undefined)
      throw new Error(`useCampaignStack: no ${key}: read it inside a test, after beforeAll${option ? `, with the option ${option}` : ''}`);
    return part;
  };
  const pushUrl = (route: string, token: string | undefined, variable: string) => {
    if (!token) throw new Error(`useCampaignStack: set ${variable} in env for the ${route} URL`);
    return `${stack.url}/v1/${route}/${token}`;
  };
  const simulator = options.simulator === false ? undefined : (options.simulator ?? {});
  const faults = () => ({ ...DEFAULT_FAULTS, ...simulator?.faults, ...(options.pushReports ? { reportUrl: stack.reportUrl } : {}) });

  beforeAll(async () => {
    await options.redis?.start();
    if (simulator) parts.sim = await startSimulator(simulator);
    if (options.cuttingProxy) parts.proxy = await startCuttingProxy(get('sim').baseUrl, 0);
    const gateway = parts.proxy?.baseUrl ?? parts.sim?.baseUrl ?? NO_GATEWAY;
    const variables = typeof options.env === 'function' ? options.env() : options.env;
    const env = (parts.env = testEnv(prefix, gateway, { ...options.redis?.env, ...(options.app ? SERVER_VARIABLES : {}), ...variables }));
    const config = (parts.config = loadConfig(env, { requireGateway: true }));
    if (options.dir) parts.dir = await mkdtemp(path.join(os.tmpdir(), `smsq-${name}-`));
    if (options.producer !== false) {
      parts.ctx = await createContext(config, log, 'client');
      parts.producer = producerFromContext(parts.ctx);
    }
    if (options.app) {
      const server = (parts.server = await openApp(config));
      if (options.app === 'listen') {
        await server.app.listen({ port: 0, host: '127.0.0.1' });
        parts.url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
      }
    }
    for (let i = 0; i < (options.workers ?? 0); i++) forFile.push(await startWorker(config, log));
    if (options.pushReports) get('sim').setFaults(faults());
  }, options.timeoutMs);

  afterEach(async () => {
    await Promise.all(perTest.splice(0).map((p) => p.close()));
    await parts.producer?.resume();
    parts.sim?.setFaults(faults());
    parts.proxy?.setCutRate(0);
  });

  afterAll(async () => {
    await Promise.all(forFile.splice(0).map((w) => w.close()));
    await parts.server?.close();
    await parts.producer?.close();
    await parts.proxy?.close();
    await parts.sim?.close();
    if (parts.dir) await rm(parts.dir, { recursive: true, force: true });
    if (options.redis) await options.redis.destroy();
    else await deletePrefix(prefix);
  }, options.timeoutMs);

  const stack: CampaignStack = {
    prefix,
    get sim() {
      return get('sim', 'simulator');
    },
    get env() {
      return get('env');
    },
    get config() {
      return get('config');
    },
    get producer() {
      return get('producer', 'producer: true');
    },
    get ctx() {
      return get('ctx', 'producer: true');
    },
    get proxy() {
      return get('proxy', 'cuttingProxy: true');
    },
    get server() {
      return get('server', 'app');
    },
    get url() {
      return get('url', "app: 'listen'");
    },
    get reportUrl() {
      return pushUrl('delivery-reports', get('config').delivery.token, 'DLR_TOKEN');
    },
    get replyUrl() {
      return pushUrl('replies', get('config').replies.token, 'REPLY_TOKEN');
    },
    get dir() {
      return get('dir', 'dir: true');
    },
    configWith(variables) {
      return loadConfig({ ...get('env'), ...variables }, { requireGateway: true });
    },
    async worker(overrides = {}, { logger = log, ...opts } = {}) {
      const w = await startWorker({ ...get('config'), ...overrides }, logger, opts);
      perTest.push(w);
      return w;
    },
    async openProducer(overrides = {}, { logger = log, ...opts } = {}) {
      const p = await createProducer({ ...get('config'), ...overrides }, logger, opts);
      perTest.push(p);
      return p;
    },
    workerProcess(env = get('env')) {
      return stack.process(new WorkerProcess(env));
    },
    process(p, lasts = 'test') {
      (lasts === 'file' ? forFile : perTest).push({ close: () => p.kill('SIGKILL') });
      return p;
    },
  };
  return stack;
}
