import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_FAULTS, startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { deletePrefix, testEnv, uniquePrefix } from './env';
import { waitUntil } from './wait-for';

/** The installed entry point, as a user runs it after `npm run build` (jest's pretest builds). */
export const SMSQ_BIN = path.resolve(__dirname, '../../bin/smsq');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `smsq ARGS` to completion. */
export function runSmsq(args: string[], env: NodeJS.ProcessEnv, stdin?: string, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SMSQ_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`smsq ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** A long-running `smsq worker` process; its stderr (logs) is kept for failure messages. */
export class WorkerProcess {
  readonly child: ChildProcess;
  logs = '';
  private readonly exited: Promise<number | null>;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [SMSQ_BIN, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.logs += d));
    this.child.stderr!.on('data', (d) => (this.logs += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Resolves when the worker has logged that it started. */
  async started(timeoutMs = 20_000): Promise<void> {
    await waitUntil('the worker to log that it started', () => {
      if (this.child.exitCode !== null) throw new Error(`worker exited (${this.child.exitCode}) before it started:\n${this.logs}`);
      return this.logs.includes('worker started');
    }, timeoutMs, 50).catch((err: Error) => {
      throw new Error(`worker did not start: ${err.message}\n${this.logs}`);
    });
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** What a CLI test file works with; read it inside tests (it is opened in beforeAll). */
export interface CliSetup {
  readonly prefix: string;
  readonly sim: Simulator;
  /** The environment a user would give `smsq`: testEnv over the simulator, with the file's variables. */
  readonly env: NodeJS.ProcessEnv;
  /** A temporary directory for the files the tests write (recipient lists…). */
  readonly dir: string;
  /** Starts an `smsq worker` process (on `env` unless told); it is killed after the test. */
  worker(env?: NodeJS.ProcessEnv): WorkerProcess;
}

/**
 * The simulator, the environment over it (the file's own queue prefix) and a temporary directory, for a file that
 * runs `smsq` as a user does: opened before the file's tests, removed after them with the prefix. After each test
 * the worker processes it started are killed and the simulator's faults are back to those it started with.
 */
export function useCliSetup(name: string, options: { env?: Record<string, string>; simulator?: SimulatorOptions } = {}): CliSetup {
  const prefix = uniquePrefix(name);
  const workers: WorkerProcess[] = [];
  let opened: { sim: Simulator; env: NodeJS.ProcessEnv; dir: string } | undefined;
  const get = () => {
    if (!opened) throw new Error('useCliSetup: read it inside a test, after beforeAll');
    return opened;
  };

  beforeAll(async () => {
    const sim = await startSimulator(options.simulator);
    opened = { sim, env: testEnv(prefix, sim.baseUrl, options.env), dir: await mkdtemp(path.join(os.tmpdir(), `smsq-${name}-`)) };
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill('SIGKILL')));
    opened?.sim.setFaults({ ...DEFAULT_FAULTS, ...options.simulator?.faults });
  });
  afterAll(async () => {
    await opened?.sim.close();
    if (opened) await rm(opened.dir, { recursive: true, force: true });
    await deletePrefix(prefix);
  });

  return {
    prefix,
    get sim() {
      return get().sim;
    },
    get env() {
      return get().env;
    },
    get dir() {
      return get().dir;
    },
    worker(env = get().env) {
      const w = new WorkerProcess(env);
      workers.push(w);
      return w;
    },
  };
}
