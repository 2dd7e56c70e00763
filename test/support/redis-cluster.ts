import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitUntil } from './wait-for';

/**
 * A three-master Redis Cluster started from the machine's redis-server on ports of its own, for running the
 * integration suite once more on a cluster. No replicas: the tests exercise slots and hash tags, not failover.
 */
export class LocalCluster {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'smsq-cluster-'));
  readonly ports: number[];

  constructor(firstPort: number) {
    this.ports = [firstPort, firstPort + 1, firstPort + 2];
  }

  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  async start(): Promise<void> {
    for (const port of this.ports) {
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          this.dir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--save',
          '',
          '--appendonly',
          'no',
          '--maxmemory-policy',
          'noeviction',
        ],
        { stdio: 'ignore' },
      ).unref();
    }
    for (const port of this.ports) await waitUntil(`redis-server on ${port}`, () => cli(port, 'ping') === 'PONG', 20_000);
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...this.nodes.split(','), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
    });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    for (const port of this.ports)
      await waitUntil(`cluster state ok on ${port}`, () => cli(port, 'cluster', 'info').includes('cluster_state:ok'), 20_000);
  }

  stop(): void {
    for (const port of this.ports) cli(port, 'shutdown', 'nosave');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function cli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();
}
