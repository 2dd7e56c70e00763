import { createProducer, type Producer } from '../../src/producer';
import type { Config } from '../../src/shared/config';
import { createLogger, type Logger } from '../../src/shared/logger';
import type { CampaignInfo, RecipientResult } from '../../src/shared/types';
import { DEFAULT_FAULTS, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { startWorker, type SmsqWorker } from '../../src/worker/worker';
import { deletePrefix, testConfig, uniquePrefix, waitFor } from './env';

/** Polls until the campaign has ended with every recipient settled (completed, failed or cancelled); its info then. */
export function campaignEnded(producer: Producer, campaignId: string, timeoutMs = 60_000): Promise<CampaignInfo> {
  return waitFor(`campaign ${campaignId} to end`, async () => {
    const info = await producer.getCampaign(campaignId);
    return ['completed', 'failed', 'cancelled'].includes(info.state) && info.counts.pending === 0 ? info : undefined;
  }, timeoutMs);
}

/** Polls until no recipient is pending and the campaign is neither queued nor running (paused counts); its info then. */
export function campaignSettled(producer: Producer, campaignId: string, timeoutMs = 60_000): Promise<CampaignInfo> {
  return waitFor(`campaign ${campaignId} to settle`, async () => {
    const info = await producer.getCampaign(campaignId);
    return info.counts.pending === 0 && info.state !== 'running' && info.state !== 'queued' ? info : undefined;
  }, timeoutMs);
}

/** Every recipient's result, in recipient order. */
export async function resultsOf(producer: Producer, campaignId: string, opts?: Parameters<Producer['campaignResults']>[1]): Promise<RecipientResult[]> {
  const out: RecipientResult[] = [];
  for await (const r of producer.campaignResults(campaignId, opts)) out.push(r);
  return out;
}

export interface CampaignStackOptions {
  /** Variables on top of testEnv's, as a user would set them. */
  env?: Record<string, string>;
  simulator?: SimulatorOptions;
}

/** What a campaign test works with; read it inside tests (it is opened in beforeAll). */
export interface CampaignStack {
  readonly prefix: string;
  readonly sim: Simulator;
  readonly config: Config;
  readonly producer: Producer;
  /** Starts a worker on the file's config with these fields changed (silent, unless given a logger); it is closed after the test. */
  worker(overrides?: Partial<Config>, logger?: Logger): Promise<SmsqWorker>;
}

/**
 * The simulator, a configuration over it (the file's own queue prefix) and a producer: opened before the file's
 * tests, closed after them, the prefix deleted. After each test, the workers it started are closed, sending is
 * resumed and the simulator's faults are back to those it started with. Call at the top level of the file, before
 * its own hooks (so that its afterEach hooks run once the test's workers are closed).
 */
export function useCampaignStack(name: string, options: CampaignStackOptions = {}): CampaignStack {
  const prefix = uniquePrefix(name);
  const log = createLogger('silent');
  const workers: SmsqWorker[] = [];
  let opened: { sim: Simulator; config: Config; producer: Producer } | undefined;
  const get = () => {
    if (!opened) throw new Error('useCampaignStack: read it inside a test, after beforeAll');
    return opened;
  };

  beforeAll(async () => {
    const sim = await startSimulator(options.simulator);
    const config = testConfig(prefix, sim.baseUrl, options.env);
    opened = { sim, config, producer: await createProducer(config, log) };
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    if (!opened) return;
    await opened.producer.resume();
    opened.sim.setFaults({ ...DEFAULT_FAULTS, ...options.simulator?.faults });
  });
  afterAll(async () => {
    await opened?.producer.close();
    await opened?.sim.close();
    await deletePrefix(prefix);
  });

  return {
    prefix,
    get sim() {
      return get().sim;
    },
    get config() {
      return get().config;
    },
    get producer() {
      return get().producer;
    },
    async worker(overrides = {}, logger = log) {
      const w = await startWorker({ ...get().config, ...overrides }, logger);
      workers.push(w);
      return w;
    },
  };
}
