import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
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
    await waitUntil(
      'the worker to log that it started',
      () => {
        if (this.child.exitCode !== null) throw new Error(`worker exited (${this.child.exitCode}) before it started:\n${this.logs}`);
        return this.logs.includes('worker started');
      },
      timeoutMs,
      50,
    ).catch((err: Error) => {
      throw new Error(`worker did not start: ${err.message}\n${this.logs}`);
    });
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
