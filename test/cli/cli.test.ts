import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CSV_HEADER } from '../../src/shared/batch/results-csv';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq, type WorkerProcess } from '../support/cli';
import { keysMatching, testRedis, waitFor } from '../support/env';

const cli = useCampaignStack('cli', { producer: false, dir: true, env: { LOG_LEVEL: 'info' } });

async function csvFile(name: string, numbers: string[], header = true): Promise<string> {
  const file = path.join(cli.dir, name);
  const lines = numbers.map((n, i) => `${n},${name}-${i}`);
  await writeFile(file, `${header ? 'number,orderId\r\n' : ''}${lines.join('\r\n')}\r\n`);
  return file;
}

function numbersFrom(start: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(start + i));
}

async function startWorkers(n: number): Promise<WorkerProcess[]> {
  const started = Array.from({ length: n }, () => cli.workerProcess());
  await Promise.all(started.map((w) => w.started()));
  return started;
}

async function campaignKeys(): Promise<number> {
  const redis = testRedis();
  try {
    return (await keysMatching(redis, `${cli.prefix}:campaign:*`)).length;
  } finally {
    redis.disconnect();
  }
}

it('runs 100,000 recipients through enqueue, two worker processes, wait and results, each sent once', async () => {
  cli.sim.setFaults({ transientRate: 0.1 });
  const numbers = numbersFrom(336_000_000_000, 100_000);
  const file = await csvFile('big.csv', numbers);
  await startWorkers(2);

  const enq = await runSmsq(['enqueue', file, '--content', 'Hello from the CLI'], cli.env);
  expect(enq.stderr).toContain('queued: 100000 recipients in 100 batches');
  expect(enq.code).toBe(0);
  const campaignId = enq.stdout.trim();
  expect(campaignId).toMatch(/^[\w.-]+$/);

  const wait = await runSmsq(['wait', campaignId, '--timeout', '110'], cli.env);
  expect(wait.stdout).toContain('completed');
  expect(wait.code).toBe(0);

  const res = await runSmsq(['results', campaignId, '--format', 'csv'], cli.env);
  expect(res.code).toBe(0);
  const lines = res.stdout.trim().split('\n');
  expect(lines[0]).toBe(CSV_HEADER);
  expect(lines).toHaveLength(100_001);
  for (const line of lines.slice(1)) {
    const [number, orderId, status, msgId] = line.split(',');
    expect(status).toBe('sent');
    expect(cli.sim.ledger.byMsgId(msgId)).toMatchObject({ number, orderId });
    expect(cli.sim.ledger.countFor(number)).toBe(1);
  }
  expect(cli.sim.stats().callsByStatus['-18']).toBeGreaterThan(0);

  const status = await runSmsq(['status', campaignId, '--json'], cli.env);
  expect(JSON.parse(status.stdout).counts).toMatchObject({ total: 100_000, sent: 100_000, pending: 0 });
}, 180_000);

it('finishes a campaign whose worker was killed with SIGKILL mid-campaign, with no recipient sent twice', async () => {
  cli.sim.setFaults({ latencyMs: 40 });
  const numbers = numbersFrom(337_000_000_000, 30_000);
  const file = await csvFile('kill.csv', numbers);
  const [first] = await startWorkers(1);
  const enq = await runSmsq(['enqueue', file, '--content', 'survive a kill'], cli.env);
  const campaignId = enq.stdout.trim();
  const accepted = () => numbers.reduce((n, num) => n + cli.sim.ledger.countFor(num), 0);
  await waitFor('some batches sent', async () => (accepted() >= 3_000 ? true : undefined));
  await first.kill('SIGKILL');

  await startWorkers(1);
  const wait = await runSmsq(['wait', campaignId, '--timeout', '110'], cli.env);
  expect(wait.code).toBe(0);
  const res = await runSmsq(['results', campaignId, '--format', 'ndjson'], cli.env);
  const rows = res.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(rows).toHaveLength(30_000);
  let unknown = 0;
  for (const r of rows) {
    // Nobody twice; `sent` matches the ledger msgId for msgId; `unknown` only for calls cut off by the kill.
    expect(cli.sim.ledger.countFor(r.number)).toBeLessThanOrEqual(1);
    if (r.status === 'sent') expect(cli.sim.ledger.byMsgId(r.msgId)?.number).toBe(r.number);
    else {
      expect(r).toMatchObject({ status: 'unknown', code: 'IN_FLIGHT_LOST' });
      unknown++;
    }
  }
  // The killed worker had at most WORKER_CONCURRENCY (8) calls of 1000 in flight.
  expect(unknown).toBeLessThanOrEqual(8_000);
  expect(cli.sim.ledger.duplicates()).toBe(0);
}, 180_000);

it('refuses a file with bad rows, naming each line and reason, and queues nothing', async () => {
  const file = path.join(cli.dir, 'bad.csv');
  await writeFile(file, '\uFEFFnumber,orderId\n+44 7700 900001,a\n12ab,b\n+44 7700 900002,a\n123\n');
  const before = await campaignKeys();
  const r = await runSmsq(['enqueue', file, '--content', 'x', '--campaign-id', 'bad-one'], cli.env);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/line 3, number: .*digits/);
  expect(r.stderr).toMatch(/line 4, orderId: orderId a is already used on row 2/);
  expect(r.stderr).toMatch(/line 5, number: .*3 digits/);
  expect(r.stderr).toContain('3 invalid row(s); nothing was queued');
  expect(await campaignKeys()).toBe(before);
  const status = await runSmsq(['status', 'bad-one'], cli.env);
  expect(status.code).toBe(1);
  expect(status.stderr).toContain('CAMPAIGN_NOT_FOUND');
});

it('queues the valid rows with --skip-invalid, and a second enqueue of the same id sends nothing new', async () => {
  const file = path.join(cli.dir, 'mixed.ndjson');
  await writeFile(file, '{"number":"+1 (555) 010-0001"}\nnot json\n{"number":"15550100001"}\n{"number":"15550100002","orderId":"x"}\n');
  const args = ['enqueue', file, '--content-file', path.join(cli.dir, 'msg.txt'), '--campaign-id', 'mixed-1', '--skip-invalid'];
  await writeFile(path.join(cli.dir, 'msg.txt'), 'Hello ✓\n');
  const r = await runSmsq(args, cli.env);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('mixed-1\n');
  expect(r.stderr).toMatch(/line 2: /);
  expect(r.stderr).toContain('2 recipients in 1 batches, 1 duplicates skipped, 1 invalid skipped');
  const again = await runSmsq(args, cli.env);
  expect(again.code).toBe(0);
  expect(again.stderr).toContain('already queued');
  const conflict = await runSmsq(['enqueue', file, '--content', 'other text', '--campaign-id', 'mixed-1', '--skip-invalid'], cli.env);
  expect(conflict.code).toBe(1);
  expect(conflict.stderr).toContain('CAMPAIGN_CONFLICT');
});

it('explains usage mistakes without a stack trace', async () => {
  const r = await runSmsq(['enqueue', path.join(cli.dir, 'nope.csv'), '--content', 'x'], cli.env);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('cannot read');
  expect(r.stderr).not.toContain('    at ');
  const u = await runSmsq(['frobnicate'], cli.env);
  expect(u.code).toBe(2);
  expect(u.stderr).toContain('unknown command');
});

it('refuses to start a worker for a real gateway without credentials, naming the variables', async () => {
  const r = await runSmsq(['worker'], { ...cli.env, SMS_API_BASE_URL: 'https://api.itniotech.com/sms' });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/SMS_API_KEY is missing[\s\S]*SMS_API_SECRET is missing[\s\S]*SMS_APP_ID is missing/);
});

it('says in one line that Redis is unreachable', async () => {
  const r = await runSmsq(['status', 'x'], { ...cli.env, REDIS_URL: 'redis://127.0.0.1:1', REDIS_CLUSTER_NODES: '' });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('REDIS_UNAVAILABLE');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
});

it('stops a worker on SIGTERM only after the batches in flight are recorded, exiting 0', async () => {
  cli.sim.setFaults({ latencyMs: 1_500 });
  const numbers = numbersFrom(338_000_000_000, 3_000);
  const file = await csvFile('term.csv', numbers);
  const [w] = await startWorkers(1);
  const campaignId = (await runSmsq(['enqueue', file, '--content', 'graceful'], cli.env)).stdout.trim();
  // The simulator records messages before its latency: all three calls are now in flight.
  await waitFor('three calls in flight', async () => (numbers.every((n) => cli.sim.ledger.countFor(n) === 1) ? true : undefined));
  expect(await w.kill('SIGTERM')).toBe(0);
  const status = await runSmsq(['status', campaignId, '--json'], cli.env);
  expect(JSON.parse(status.stdout)).toMatchObject({ state: 'completed', counts: { sent: 3_000, unknown: 0 } });
});
