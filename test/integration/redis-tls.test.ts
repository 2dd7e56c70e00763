import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useCampaignStack, type OwnedRedis } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { waitFor } from '../support/env';

/**
 * Redis with a password over TLS (rediss://), as managed Redis services run it: a redis-server of the test's
 * own with a self-signed certificate, trusted through Node's NODE_EXTRA_CA_CERTS, and the CLI as processes.
 */
const PASSWORD = 'tls-pass-4d9b2e7f';
const port = 18_000 + Math.floor(Math.random() * 500);
const dir = mkdtempSync(path.join(os.tmpdir(), 'smsq-tls-'));
const cert = path.join(dir, 'cert.pem');
const url = (password: string) => `rediss://:${password}@127.0.0.1:${port}`;

let server: ChildProcess | undefined;
const tlsRedis: OwnedRedis = {
  env: { REDIS_URL: url(PASSWORD), REDIS_CLUSTER_NODES: '' },
  async start() {
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
    writeFileSync(
      path.join(dir, 'redis.conf'),
      [
        'port 0',
        `tls-port ${port}`,
        'bind 127.0.0.1',
        `tls-cert-file ${cert}`,
        `tls-key-file ${path.join(dir, 'key.pem')}`,
        `tls-ca-cert-file ${cert}`,
        'tls-auth-clients no',
        `requirepass ${PASSWORD}`,
        'save ""',
        'maxmemory-policy noeviction',
        `dir ${dir}`,
      ].join('\n'),
    );
    server = spawn('redis-server', [path.join(dir, 'redis.conf')], { stdio: 'ignore' });
    await waitFor(
      'the TLS redis-server',
      async () => {
        const ping = spawnSync('redis-cli', ['--tls', '--cacert', cert, '-p', String(port), '--no-auth-warning', '-a', PASSWORD, 'ping'], {
          encoding: 'utf8',
        });
        return ping.stdout.trim() === 'PONG' ? true : undefined;
      },
      10_000,
    );
  },
  async destroy() {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  },
};
// No producer: this process does not trust the certificate, the smsq processes do.
const stack = useCampaignStack('tls', { redis: tlsRedis, producer: false, env: { LOG_LEVEL: 'debug', NODE_EXTRA_CA_CERTS: cert } });

it('sends a campaign through a Redis that wants a password over TLS, without printing the password', async () => {
  const worker = stack.workerProcess();
  await worker.started();
  const file = path.join(dir, 'r.csv');
  writeFileSync(file, Array.from({ length: 2_500 }, (_, i) => `${339_000_000_000 + i}\n`).join(''));
  const enq = await runSmsq(['enqueue', file, '--content', 'over tls'], stack.env);
  expect(enq.code).toBe(0);
  const wait = await runSmsq(['wait', enq.stdout.trim(), '--timeout', '60'], stack.env);
  expect(wait.stdout).toContain('sent 2500');
  expect(wait.code).toBe(0);
  expect(await worker.kill('SIGTERM')).toBe(0);
  expect(worker.logs + enq.stderr + wait.stderr).not.toContain(PASSWORD);
});

it('refuses a wrong password with REDIS_UNAVAILABLE, and shows neither password', async () => {
  const r = await runSmsq(['status', 'x'], { ...stack.env, REDIS_URL: url(`wrong-${PASSWORD}`) });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('REDIS_UNAVAILABLE');
  expect(r.stderr).not.toContain(PASSWORD);
});
