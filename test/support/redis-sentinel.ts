import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
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

  constructor(
    readonly base: number,
    private readonly replicas = 1,
  ) {
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
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${this.base} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_NAME} 10000`,
          `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
        ].join('\n') + '\n',
      );
      const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
      child.unref();
      this.sentinels.push(child);
    }
    const replicas = new RegExp(`num-slaves\\n${this.replicas}\\n`);
    await waitUntil(
      'the sentinels to see the replicas',
      () => this.sentinelPorts.every((p) => replicas.test(this.ask(p, ['sentinel', 'master', SENTINEL_NAME]))),
      20_000,
      200,
    );
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
    await waitUntil(
      'the sentinels to promote the replica',
      () => {
        const p = this.primaryPort();
        return p > 0 && p !== port;
      },
      timeoutMs,
      200,
    );
  }

  /**
   * What the sentinels and each node say of the group now, printed when a test times out to tell why: the primary
   * each sentinel names, each node's ROLE and replication state, and the clients connected to it (the smsq
   * processes' connections, by name and last command; replication links and this check's own left out), so that a
   * worker still connected to a demoted node shows.
   */
  describe(): string {
    const lines = this.sentinelPorts.map(
      (p) =>
        `sentinel ${p}: get-master-addr-by-name ${this.ask(p, ['sentinel', 'get-master-addr-by-name', SENTINEL_NAME]).trim().split('\n').join(':') || 'not answering'}`,
    );
    for (const n of this.nodes) {
      const info = this.ask(n.port, ['info', 'replication']);
      if (!info) {
        lines.push(`node ${n.port}: not answering`);
        continue;
      }
      const role = this.ask(n.port, ['role']).trim().split('\n').slice(0, 3).join(' ');
      const fields = ['master_port', 'master_link_status', 'connected_slaves', 'master_sync_in_progress', 'master_repl_offset'];
      const state = fields.map((f) => `${f}=${new RegExp(`^${f}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '-'}`).join(' ');
      lines.push(`node ${n.port}: ROLE ${role}; ${state}; clients: ${this.clients(n.port)}`);
    }
    return lines.join('\n');
  }

  /** The node's client connections, counted by name and last command; replication links, sentinels and this check left out. */
  private clients(port: number): string {
    const counts = new Map<string, number>();
    for (const line of this.ask(port, ['client', 'list']).split('\n')) {
      const field = (f: string) => new RegExp(`(?:^| )${f}=(\\S*)`).exec(line)?.[1] ?? '';
      // The sentinels' own links (named sentinel-…) are there on every node; only smsq's tell anything.
      if (!line.trim() || /[SM]/.test(field('flags')) || field('cmd').startsWith('client') || field('name').startsWith('sentinel-'))
        continue;
      const key = `${field('name') || '(unnamed)'}/${field('cmd')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([k, c]) => `${k}×${c}`).join(', ') || 'none';
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
