import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import { waitUntil } from './wait-for';

/**
 * A redis-server of a test's own, on a port of its own, with append-only persistence, so that a test can
 * restart it or cut its clients without touching the shared Redis. Needs `redis-server` on the PATH.
 */
export class OwnRedis {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'smsq-redis-'));
  readonly url: string;
  private child: ChildProcess | undefined;

  /** `args`: more redis-server arguments, e.g. `--replicaof 127.0.0.1 <port>` for a replica. */
  constructor(
    readonly port: number,
    private readonly args: string[] = [],
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  /** The variables that point smsq at this Redis, also under test:cluster (no cluster nodes). */
  get env(): Record<string, string> {
    return { REDIS_URL: this.url, REDIS_CLUSTER_NODES: '' };
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--maxmemory-policy',
        'noeviction',
        '--daemonize',
        'no',
        ...this.args,
      ],
      { stdio: 'ignore', detached: false },
    );
    this.child.unref();
    await this.untilPing(true);
  }

  /**
   * SHUTDOWN: Redis writes its append-only file before it exits, as on an orderly restart. A server that refuses
   * it for now (a replica still loading its first sync) gets SIGTERM, which Redis handles as the same shutdown.
   */
  async stop(): Promise<void> {
    spawnSync('redis-cli', ['-p', String(this.port), 'shutdown'], { stdio: 'ignore' });
    if (
      await this.untilPing(false, 5_000).then(
        () => true,
        () => false,
      )
    )
      return;
    this.child?.kill('SIGTERM');
    await this.untilPing(false);
  }

  /** Kills the process without letting it save anything, as a crashed machine would. */
  async crash(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.untilPing(false);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Drops every normal client connection, as a failover or a proxy restart would. */
  async killClients(): Promise<number> {
    const redis = new IORedis(this.url);
    try {
      return (await redis.client('KILL', 'TYPE', 'normal')) as number;
    } finally {
      redis.disconnect();
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async untilPing(up: boolean, timeoutMs = 10_000): Promise<void> {
    const answers = () => spawnSync('redis-cli', ['-p', String(this.port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG';
    await waitUntil(`redis-server on port ${this.port} to ${up ? 'start' : 'stop'}`, () => answers() === up, timeoutMs, 50);
  }
}
