import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import IORedis from 'ioredis';
import { useCampaignStack } from '../../support/campaigns';
import { runSmsq } from '../../support/cli';
import { keysMatching, waitFor } from '../../support/env';
import { OwnRedis } from '../../support/redis-server';
import { ServerProcess } from '../../support/server-process';
import { API_TOKEN, SERVER_VARIABLES } from '../../support/server';

/**
 * A Redis that refuses writes — full (`maxmemory` under `noeviction`), read-only, or gone — met by `smsq server`
 * and `smsq enqueue` as processes: a 503 with its code and Retry-After, the process still up, nothing of the
 * refused campaign left in Redis, no recipient in any log line, and /readyz saying so until Redis takes writes.
 */
const redis = new OwnRedis(21_000 + Math.floor(Math.random() * 2_000));
// The server only: no gateway is called here. LOG_LEVEL info, so that its log lines are there to be read.
const stack = useCampaignStack('redis-full', {
  redis,
  simulator: false,
  producer: false,
  dir: true,
  env: { ...SERVER_VARIABLES, LOG_LEVEL: 'info', SERVER_PORT: '0' },
});
let admin: IORedis;
let server: ServerProcess;
let url: string;

/** Numbers and orderIds no log line may show: 4479 0000 0000 … and `secret-…`. */
const number = (i: number) => String(447_900_000_000 + i);
const orderId = (i: number) => `secret-${i}`;

beforeAll(async () => {
  admin = new IORedis(redis.url);
  // Its errors surface through its commands; Redis is stopped on purpose below.
  admin.on('error', () => undefined);
  server = stack.process(new ServerProcess(stack.env), 'file');
  url = await server.url();
});
afterAll(() => admin.disconnect());

afterEach(async () => {
  await admin.config('SET', 'maxmemory', '0');
});

/** Leaves about `room` bytes above what Redis holds now. */
async function fill(room: number): Promise<void> {
  const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
  await admin.config('SET', 'maxmemory', String(used + room));
}

/** maxmemory of 1 byte: every write that may take memory is refused (OOM). */
async function full(): Promise<void> {
  await admin.config('SET', 'maxmemory', '1');
}

function post(body: string, type: string, query: string): Promise<Response> {
  return fetch(`${url}/v1/campaigns${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': type },
    body,
  });
}

async function keysOf(campaignId: string): Promise<string[]> {
  return keysMatching(admin, `${stack.prefix}:*${campaignId}*`);
}

const ROWS = 60_000;
const csv = Array.from({ length: ROWS }, (_, i) => `${number(i)},${orderId(i)}`).join('\n');
const ndjson = Array.from({ length: ROWS }, (_, i) => JSON.stringify({ number: number(i), orderId: orderId(i) })).join('\n');
const json = (campaignId: string) =>
  JSON.stringify({
    campaignId,
    content: 'hello',
    recipients: Array.from({ length: ROWS }, (_, i) => ({ number: number(i), orderId: orderId(i) })),
  });

describe.each([
  ['a CSV upload', 'text/csv', () => csv, '?campaignId=full-csv&content=hello', 'full-csv'],
  ['an NDJSON upload', 'application/x-ndjson', () => ndjson, '?campaignId=full-ndjson&content=hello', 'full-ndjson'],
  ['a JSON body', 'application/json', () => json('full-json'), '', 'full-json'],
])('%s that does not fit in Redis', (_name, type, body, query, campaignId) => {
  it('is answered 503 REDIS_FULL with Retry-After, leaves no key of the campaign, and the server takes a small campaign once there is room', async () => {
    // 60,000 recipients stage about 1.3 MB; 400 KB of room lets some batches in before the rest is refused.
    await fill(400_000);
    const res = await post(body(), type, query);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const answer = (await res.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe('REDIS_FULL');
    expect(answer.error.message).toContain('nothing was queued');
    expect(server.child.exitCode).toBeNull();
    expect(await keysOf(campaignId)).toEqual([]);
    expect(await admin.zscore(`${stack.prefix}:campaigns:by-created`, campaignId)).toBeNull();

    await admin.config('SET', 'maxmemory', '0');
    const small = await post(
      JSON.stringify({ campaignId: `${campaignId}-small`, content: 'hello', recipients: [{ number: number(1) }, { number: number(2) }] }),
      'application/json',
      '',
    );
    expect(small.status).toBe(201);
    expect(await admin.hget(`${stack.prefix}:campaign:${campaignId}-small`, 'total')).toBe('2');
  });
});

it('an upload to a Redis that refuses writes (too few replicas) is answered 503 REDIS_READONLY and leaves nothing', async () => {
  await admin.config('SET', 'min-replicas-to-write', '1');
  try {
    const res = await post(csv, 'text/csv', '?campaignId=read-only&content=hello');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await res.json()) as { error: { code: string; details: unknown } }).error).toMatchObject({
      code: 'REDIS_READONLY',
      details: { reason: 'NOREPLICAS' },
    });
  } finally {
    await admin.config('SET', 'min-replicas-to-write', '0');
  }
  expect(server.child.exitCode).toBeNull();
  expect(await keysOf('read-only')).toEqual([]);
});

it('smsq enqueue FILE against a full Redis exits non-zero with REDIS_FULL and leaves nothing', async () => {
  const file = path.join(stack.dir, 'list.csv');
  await writeFile(file, csv);
  await full();
  const run = await runSmsq(['enqueue', file, '--content', 'hello', '--campaign-id', 'cli-full'], { ...stack.env, LOG_LEVEL: 'info' });
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('[REDIS_FULL]');
  expect(run.stderr).toContain('nothing was queued');
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/4479000\d{5}|secret-\d/);
  expect(await keysOf('cli-full')).toEqual([]);
});

it('/readyz is 503 while Redis is full, read-only and down, and 200 again after each', async () => {
  const ready = async () => {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: (await res.json()) as { redis: string } };
  };
  expect((await ready()).status).toBe(200);

  await full();
  expect(await ready()).toEqual({ status: 503, body: expect.objectContaining({ ready: false, redis: 'full' }) });
  await admin.config('SET', 'maxmemory', '0');
  expect((await ready()).status).toBe(200);

  // Too few replicas for min-replicas-to-write: every write is refused with NOREPLICAS.
  await admin.config('SET', 'min-replicas-to-write', '1');
  expect(await ready()).toEqual({ status: 503, body: expect.objectContaining({ redis: 'read-only' }) });
  await admin.config('SET', 'min-replicas-to-write', '0');
  expect((await ready()).status).toBe(200);

  // A replica of a primary that does not exist (port 1): it answers PING and refuses every write (READONLY).
  await admin.replicaof('127.0.0.1', 1);
  expect(await ready()).toEqual({ status: 503, body: expect.objectContaining({ redis: 'read-only' }) });
  await admin.replicaof('NO', 'ONE');
  expect((await ready()).status).toBe(200);

  await redis.stop();
  expect(await ready()).toEqual({ status: 503, body: expect.objectContaining({ redis: 'unreachable' }) });
  await redis.start();
  await waitFor('/readyz to be 200 once Redis is back', async () => ((await ready()).status === 200 ? true : undefined), 30_000, 200);
  expect(server.child.exitCode).toBeNull();
});

it('no log line of the server shows a number or an orderId of the refused uploads', () => {
  expect(server.output).toContain('REDIS_FULL');
  expect(server.output).not.toMatch(/4479000\d{5}|secret-\d/);
});
