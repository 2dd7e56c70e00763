import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Producer } from '../../src/producer';
import type { CampaignInfo } from '../../src/shared/types';
import { runSmsq, WorkerProcess } from './cli';

/**
 * The chaos suites' variables on top of testEnv's: small batches and short locks stretch a campaign over enough
 * seconds for the kills to bite and bring a dead worker's batches back quickly, and settling runs by itself, at once
 * (the simulator records a submission the moment it takes it).
 */
export const CHAOS_VARIABLES: Readonly<Record<string, string>> = Object.freeze({
  SMS_BATCH_SIZE: '250',
  WORKER_CONCURRENCY: '3',
  SMS_ATTEMPTS: '30',
  SMS_BACKOFF_MS: '50',
  SMS_RESPONSE_TIMEOUT_MS: '1500',
  WORKER_LOCK_DURATION_MS: '3000',
  WORKER_STALLED_INTERVAL_MS: '1500',
  LOG_LEVEL: 'info',
  SMS_SETTLE_AFTER_MS: '0',
  SMS_AUTO_SETTLE: 'true',
});

/** Writes the numbers to a file in `dir` and queues them with `smsq enqueue`, as a user would; returns the campaign id. */
export async function enqueueNumbers(dir: string, env: NodeJS.ProcessEnv, numbers: readonly string[], content: string): Promise<string> {
  const file = path.join(dir, 'recipients.csv');
  await writeFile(file, numbers.map((n) => `${n}\n`).join(''));
  const enq = await runSmsq(['enqueue', file, '--content', content], env);
  if (enq.code !== 0) throw new Error(`smsq enqueue exited ${enq.code}: ${enq.stderr.slice(-2000)}`);
  return enq.stdout.trim();
}

/**
 * `smsq worker` processes as an orchestrator runs them in the chaos suites: started, SIGKILLed at random, replaced.
 * Every process it started is killed by killAll (afterAll).
 */
export class WorkerFleet {
  readonly all: WorkerProcess[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  spawn(): WorkerProcess {
    const w = new WorkerProcess(this.env);
    this.all.push(w);
    return w;
  }

  /** Kills one live worker at random; false when none is alive (one started while Redis restarts can exit by itself). */
  async killOne(): Promise<boolean> {
    const alive = this.all.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    if (alive.length === 0) return false;
    await alive[Math.floor(Math.random() * alive.length)].kill('SIGKILL');
    return true;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.all.map((w) => w.kill('SIGKILL')));
  }
}

/** Reads the campaign, riding out the moments when Redis is restarting. */
export async function pollCampaign(producer: Producer, campaignId: string): Promise<CampaignInfo | undefined> {
  try {
    return await producer.getCampaign(campaignId);
  } catch {
    return undefined;
  }
}
