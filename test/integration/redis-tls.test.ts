import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, Simulator } from '../../src/simulator';
import { runSmsq, WorkerProcess } from '../support/cli';
import { testEnv, uniquePrefix, waitFor } from '../support/env';

/**
 * Redis with a password over TLS (rediss://), as managed Redis services run it: a redis-server of the test's
 * own with a self-signed certificate, trusted through Node's NODE_EXTRA_CA_CERTS, and the CLI as processes.
 */
const PASSWORD = 'tls-pass-4d9b2e7f';
const port = 18_000 + Math.floor(Math.random() * 500);
const dir = mkdtempSync(path.join(os.tmpdir(), 'smsq-tls-'));
const cert = path.join(dir, 'cert.pem');
let server: ChildProcess;
let sim: Simulator;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', cert,
    '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  writeFileSync(path.join(dir, 'redis.conf'), [
    'port 0', `tls-port ${port}`, 'bind 127.0.0.1', `tls-cert-file ${cert}`, `tls-key-file ${path.join(dir, 'key.pem')}`,
    `tls-ca-cert-file ${cert}`, 'tls-auth-clients no', `requirepass ${PASSWORD}`, 'save ""', 'maxmemory-policy noeviction', `dir ${dir}`,
  ].join('\n'));
  server = spawn('redis-server', [path.join(dir, 'redis.conf')], { stdio: 'ignore' });
  await waitFor('the TLS redis-server', async () => {
    const ping = spawnSync('redis-cli', ['--tls', '--cacert', cert, '-p', String(port), '--no-auth-warning', '-a', PASSWORD, 'ping'], { encoding: 'utf8' });
    return ping.stdout.trim() === 'PONG' ? true : undefined;
  }, 10_000);
  sim = await startSimulator();
});

afterAll(async () => {
  await worker?.kill('SIGKILL');
  server?.kill('SIGKILL');
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

function env(url: string) {
  return { ...testEnv(uniquePrefix('tls'), sim.baseUrl, { REDIS_URL: url, REDIS_CLUSTER_NODES: '', LOG_LEVEL: 'debug' }), NODE_EXTRA_CA_CERTS: cert };
}

it('sends a campaign through a Redis that wants a password over TLS, without printing the password', async () => {
  const e = env(`rediss://:${PASSWORD}@127.0.0.1:${port}`);
  worker = new WorkerProcess(e);
  await worker.started();
  const file = path.join(dir, 'r.csv');
  writeFileSync(file, Array.from({ length: 2_500 }, (_, i) => `${339_000_000_000 + i}\n`).join(''));
  const enq = await runSmsq(['enqueue', file, '--content', 'over tls'], e);
  expect(enq.code).toBe(0);
  const wait = await runSmsq(['wait', enq.stdout.trim(), '--timeout', '60'], e);
  expect(wait.stdout).toContain('sent 2500');
  expect(wait.code).toBe(0);
  expect(await worker.kill('SIGTERM')).toBe(0);
  expect(worker.logs + enq.stderr + wait.stderr).not.toContain(PASSWORD);
});

it('refuses a wrong password with REDIS_UNAVAILABLE, and shows neither password', async () => {
  const r = await runSmsq(['status', 'x'], env(`rediss://:wrong-${PASSWORD}@127.0.0.1:${port}`));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('REDIS_UNAVAILABLE');
  expect(r.stderr).not.toContain(PASSWORD);
});
