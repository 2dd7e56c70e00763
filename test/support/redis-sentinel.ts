import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OwnRedis } from './redis-server';
import { waitUntil } from './wait-for';

export const SENTINEL_NAME = 'smsq-primary';

/**
 * A primary, `replicas` replicas and three sentinels of a test's own (`redis-server --sentinel`), on ports from
 * `base`: primary base, replicas base+1…, then the sentinels. The sentinels see the primary down after 1 s, so a
 * failover takes a few seconds.
 */
export class SentinelGroup {
  readonly nodes: OwnRedis[];
  readonly sentinelPorts: number[];
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'smsq-sentinel-'));
  private readonly sentinels: ChildProcess[] = [];

  constructor(readonly base: number, private readonly replicas = 1) {
    this.nodes = [new OwnRedis(base)];
    for (let i = 1; i <= replicas; i++) this.nodes.push(new OwnRedis(base + i, ['--replicaof', '127.0.0.1', String(base)]));
    this.sentinelPorts = [1, 2, 3].map((i) => base + replicas + i);
  }

  /** REDIS_SENTINELS and REDIS_SENTINEL_NAME for this group. */
  get env(): Record<string, string> {
    return { REDIS_SENTINELS: this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','), REDIS_SENTINEL_NAME: SENTINEL_NAME };
  }

  async start(): Promise<void> {
    for (const n of this.nodes) await n.start();
    for (const port of this.sentinelPorts) {
      // Sentinel rewrites its configuration file as it learns the group: each gets a writable one of its own.
      const conf = path.join(this.dir, `sentinel-${port}.conf`);
      writeFileSync(conf, [
        `port ${port}`, 'bind 127.0.0.1', `dir ${this.dir}`,
        `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${this.base} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_NAME} 10000`,
        `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
      ].join('\n') + '\n');
      const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
      child.unref();
      this.sentinels.push(child);
    }
    const replicas = new RegExp(`num-slaves\\n${this.replicas}\\n`);
    await waitUntil('the sentinels to see the replicas', () => this.sentinelPorts.every((p) => replicas.test(this.ask(p, ['sentinel', 'master', SENTINEL_NAME]))), 20_000, 200);
  }

  /** The port of the node the sentinels call primary now. */
  primaryPort(): number {
    return Number(this.ask(this.sentinelPorts[0], ['sentinel', 'get-master-addr-by-name', SENTINEL_NAME]).split('\n')[1]);
  }

  /** The node that is primary now. */
  primary(): OwnRedis {
    const port = this.primaryPort();
    return this.nodes.find((n) => n.port === port)!;
  }

  /** Waits until the sentinels name a primary other than `port`. */
  async failedOver(port: number, timeoutMs = 30_000): Promise<void> {
    await waitUntil('the sentinels to promote the replica', () => {
      const p = this.primaryPort();
      return p > 0 && p !== port;
    }, timeoutMs, 200);
  }

  /** What the sentinels and each node say of the group now: printed when a test times out, to tell why. */
  describe(): string {
    const lines = [`sentinel ${this.sentinelPorts[0]} names primary ${this.primaryPort()}`];
    for (const n of this.nodes) {
      const info = this.ask(n.port, ['info', 'replication']);
      const fields = ['role', 'master_port', 'master_link_status', 'connected_slaves', 'master_sync_in_progress'];
      lines.push(`node ${n.port}: ${info ? fields.map((f) => new RegExp(`^${f}:(.*)$`, 'm').exec(info)?.[1]?.trim()).map((v, i) => `${fields[i]}=${v ?? '-'}`).join(' ') : 'not answering'}`);
    }
    return lines.join('\n');
  }

  async destroy(): Promise<void> {
    for (const s of this.sentinels) s.kill('SIGKILL');
    for (const n of this.nodes) await n.destroy().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private ask(port: number, args: string[]): string {
    return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout ?? '';
  }
}
