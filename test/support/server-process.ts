import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SMSQ_BIN } from './cli';
import { waitFor } from './wait-for';

/** A `smsq server` process; its URL is read from the line it prints on stdout. */
export class ServerProcess {
  readonly child: ChildProcess;
  output = '';
  private readonly exited: Promise<number | null>;

  constructor(env: NodeJS.ProcessEnv, args: string[] = []) {
    this.child = spawn(process.execPath, [SMSQ_BIN, 'server', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Resolves with the server's URL once it listens. */
  async url(timeoutMs = 20_000): Promise<string> {
    return waitFor(
      'the server to print its URL',
      () => {
        if (this.child.exitCode !== null) throw new Error(`server exited (${this.child.exitCode}) before it listened:\n${this.output}`);
        return /smsq server on (http:\/\/\S+)/.exec(this.output)?.[1];
      },
      timeoutMs,
      50,
    ).catch((err: Error) => {
      throw new Error(`server did not start: ${err.message}\n${this.output}`);
    });
  }

  /** Resident memory of the process now, in bytes (Linux /proc). */
  rss(): number {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : 0;
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
