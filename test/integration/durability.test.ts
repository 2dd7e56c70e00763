import IORedis from 'ioredis';
import { metricsRegistry } from '../../src/shared/metrics';
import { useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { OwnRedis } from '../support/redis-server';

/**
 * REDIS_DURABILITY against a real primary and replica of the test's own: with `replica`, no call is made before
 * the replica has its in-flight record, and a batch whose record cannot reach one goes back unsent.
 */
const port = 17_000 + Math.floor(Math.random() * 500) * 2;
const primary = new OwnRedis(port);
const replica = new OwnRedis(port + 1, ['--replicaof', '127.0.0.1', String(port)]);
const stack = useCampaignStack('durability', { redis: primary, env: { REDIS_DURABILITY: 'replica', REDIS_DURABILITY_TIMEOUT_MS: '300' } });
beforeAll(() => replica.start());
afterAll(() => replica.destroy());

/** A worker with these variables on top of the file's (REDIS_DURABILITY). */
function worker(variables: Record<string, string> = {}) {
  return stack.worker(stack.configWith(variables));
}

let nextNumber = 448_200_000_00;
function recipients(n: number) {
  return Array.from({ length: n }, () => ({ number: String(nextNumber++) }));
}

async function completed(campaignId: string) {
  return waitFor(
    'the campaign to complete',
    async () => {
      const info = await stack.producer.getCampaign(campaignId);
      return info.state === 'completed' ? info : undefined;
    },
    60_000,
  );
}

async function refusals(): Promise<number> {
  const m = (await metricsRegistry.getMetricsAsJSON()).find((x) => x.name === 'smsq_durability_refusals_total');
  return (m?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

async function replicaLinked(): Promise<boolean> {
  const r = new IORedis(primary.url);
  try {
    return /connected_slaves:1/.test(await r.info('replication'));
  } finally {
    r.disconnect();
  }
}

it('with REDIS_DURABILITY=replica sends once the replica has acknowledged each in-flight record', async () => {
  await waitFor('the replica to link', async () => ((await replicaLinked()) ? true : undefined), 20_000);
  await worker();
  const list = recipients(600);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Durable', recipients: list });
  expect((await completed(campaignId)).counts).toMatchObject({ sent: 600, unknown: 0 });
  for (const { number } of list) expect(stack.sim.ledger.countFor(number)).toBe(1);
});

it('with the replica gone refuses to call, takes the in-flight record back and retries the batch later, unsent', async () => {
  await replica.stop();
  const before = await refusals();
  await worker();
  const list = recipients(250);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Not durable', recipients: list });
  await waitFor('a refused call', async () => ((await refusals()) > before ? true : undefined), 30_000);
  const r = new IORedis(primary.url);
  try {
    const [fly, o] = await r.hmget(`${stack.prefix}:campaign:${campaignId}:batch:0`, 'fly', 'o');
    expect({ fly, o }).toEqual({ fly: null, o: null });
  } finally {
    r.disconnect();
  }
  expect((await stack.producer.getCampaign(campaignId)).counts).toMatchObject({ pending: 250, sent: 0, unknown: 0 });
  for (const { number } of list) expect(stack.sim.ledger.countFor(number)).toBe(0);

  // The replica is back: the batch's next try is acknowledged and sent, each recipient once.
  await replica.start();
  expect((await completed(campaignId)).counts).toMatchObject({ sent: 250, unknown: 0, failed: 0 });
  for (const { number } of list) expect(stack.sim.ledger.countFor(number)).toBe(1);
});

it('with REDIS_DURABILITY=none sends without waiting for any replica', async () => {
  await replica.stop();
  try {
    await worker({ REDIS_DURABILITY: 'none' });
    const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Not waiting', recipients: recipients(250) });
    expect((await completed(campaignId)).counts).toMatchObject({ sent: 250 });
  } finally {
    await replica.start();
  }
});

it('REDIS_DURABILITY=aof refuses to start on a Redis older than 7.2, naming its version, or needs appendonly', async () => {
  const r = new IORedis(primary.url);
  const version = /redis_version:(\S+)/.exec(await r.info('server'))![1];
  r.disconnect();
  const [major, minor] = version.split('.').map(Number);
  if (major > 7 || (major === 7 && minor >= 2)) {
    // WAITAOF exists: this Redis has appendonly on (OwnRedis), so the worker starts and sends.
    await worker({ REDIS_DURABILITY: 'aof' });
    const { campaignId } = await stack.producer.enqueueCampaign({ content: 'AOF', recipients: recipients(10) });
    expect((await completed(campaignId)).counts).toMatchObject({ sent: 10 });
  } else {
    await expect(worker({ REDIS_DURABILITY: 'aof' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`Redis 7.2 added; this Redis is ${version}`),
    });
  }
});
