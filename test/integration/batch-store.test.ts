import { BatchStore, type SendChecks } from '../../src/shared/batch/store';
import { keys } from '../../src/shared/redis/keys';
import type { RedisClient } from '../../src/shared/redis/connection';
import type { StoredOutcome } from '../../src/shared/types';
import { deletePrefix, testRedis, uniquePrefix } from '../support/env';

/** The rules the batch record's Lua scripts keep, when two runs of one batch overlap. */
const prefix = uniquePrefix('batch-store');
const k = keys(prefix);
let redis: RedisClient;
let store: BatchStore;
let n = 0;

beforeAll(() => {
  redis = testRedis();
  store = new BatchStore(redis, k, 3600);
});

afterAll(async () => {
  redis.disconnect();
  await deletePrefix(prefix);
});

/** A running campaign with one batch of three recipients. */
async function batch(): Promise<string> {
  const id = `c${++n}`;
  await redis.hset(k.campaign(id), { state: 'running', total: '3' });
  await redis.hset(k.batch(id, 0), 'r', '111111,a\n222222,b\n333333,c');
  return id;
}

const outcomes = (entries: Array<[number, StoredOutcome]>) => new Map(entries);
const NUMBERS = ['111111', '222222', '333333'];
const NO_CHECKS: SendChecks = { suppression: false, contacts: false, capCount: 0, capPeriodSeconds: 0, contactTtlSeconds: 60 };

/** beginCall for recipients by index, answering 'ok' or the reason it refused. */
async function begin(id: string, token: string, indices: number[], version: number, checks = NO_CHECKS): Promise<string> {
  const r = await store.beginCall(
    id,
    0,
    token,
    { indices, numbers: indices.map((i) => NUMBERS[i]), at: Date.now(), clockNow: Date.now() },
    version,
    checks,
  );
  return r.ok ? 'ok' : r.reason;
}

it('keeps the first outcome stored for a recipient and says how many it skipped', async () => {
  const id = await batch();
  expect(await store.settle(id, 0, outcomes([[0, ['s', 'm1']]]))).toEqual({ ok: true, version: 1, skipped: 0 });
  expect(
    await store.settle(
      id,
      0,
      outcomes([
        [0, ['c']],
        [1, ['c']],
      ]),
    ),
  ).toEqual({ ok: true, version: 2, skipped: 1 });
  const rec = await store.load(id, 0);
  expect([...rec!.outcomes]).toEqual([
    [0, ['s', 'm1']],
    [1, ['c']],
  ]);
});

it('refuses a second call while one is in flight, and settling around it', async () => {
  const id = await batch();
  expect(await begin(id, 'run-a', [0, 1, 2], 0)).toBe('ok');
  expect(await begin(id, 'run-b', [0, 1, 2], 0)).toBe('busy');
  expect(await store.settle(id, 0, outcomes([[0, ['c']]]))).toEqual({ ok: false, reason: 'busy' });
  expect((await store.load(id, 0))!.inFlight).toMatchObject({ t: 'run-a', i: [0, 1, 2] });
});

it("lets a later run end a dead run's call, after which the dead run's own answer is refused", async () => {
  const id = await batch();
  await begin(id, 'dead', [0, 1, 2], 0);
  const unknown: StoredOutcome = ['u', 'IN_FLIGHT_LOST', 'cut off'];
  expect(
    await store.endCall(
      id,
      0,
      'dead',
      outcomes([
        [0, unknown],
        [1, unknown],
        [2, unknown],
      ]),
    ),
  ).toMatchObject({ ok: true });
  expect(await store.endCall(id, 0, 'dead', outcomes([[0, ['s', 'late']]]))).toEqual({ ok: false, reason: 'lost' });
  expect((await store.load(id, 0))!.outcomes.get(0)).toEqual(unknown);
});

it("refuses a call from a run whose view is behind another run's writes", async () => {
  const id = await batch();
  const seen = (await store.load(id, 0))!.version;
  // Another run, alive after losing its lock, records an answer in between.
  await begin(id, 'other', [0], seen);
  await store.endCall(id, 0, 'other', outcomes([[0, ['s', 'm0']]]));
  expect(await begin(id, 'mine', [0, 1, 2], seen)).toBe('stale');
});

it('refuses calls once the campaign is cancelled, and counts a settled batch in exactly once', async () => {
  const id = await batch();
  await redis.hset(k.campaign(id), 'state', 'cancelled');
  expect(await begin(id, 'run', [0], 0)).toBe('cancelled');
  expect(await store.finish(id, 0, 3)).toEqual({ result: 'incomplete' });
  await store.settle(
    id,
    0,
    outcomes([
      [0, ['c']],
      [1, ['c']],
      [2, ['c']],
    ]),
  );
  expect(await store.finish(id, 0, 3)).toEqual({ result: 'completed' });
  expect(await store.finish(id, 0, 3)).toEqual({ result: 'already' });
  expect(await redis.hget(k.campaign(id), 'cancelled')).toBe('3');
});

it("settles a number on the suppression list at the start of its call, with the entry's reason, and calls only the others", async () => {
  const id = await batch();
  await redis.hset(k.suppression('2222'), '222222', 'stop-reply|test|1');
  const r = await store.beginCall(id, 0, 'run', { indices: [0, 1, 2], numbers: NUMBERS, at: Date.now(), clockNow: Date.now() }, 0, {
    ...NO_CHECKS,
    suppression: true,
  });
  expect(r).toEqual({ ok: true, version: 1, settled: 1, calling: 2 });
  const rec = (await store.load(id, 0))!;
  expect(rec.outcomes.get(1)).toEqual(['x', 'stop-reply']);
  expect(rec.inFlight).toMatchObject({ t: 'run', i: [0, 2] });
});

it('caps a number sent to as often as the cap allows in the period, remembers the campaign, and gives back a send that did not happen', async () => {
  const cap: SendChecks = { suppression: true, contacts: true, capCount: 1, capPeriodSeconds: 3600, contactTtlSeconds: 3600 };
  const first = await batch();
  const at = Date.now();
  expect(await store.beginCall(first, 0, 'a', { indices: [0], numbers: ['111111'], at, clockNow: at }, 0, cap)).toMatchObject({
    ok: true,
    settled: 0,
    calling: 1,
  });
  expect(await redis.hget(k.contacts('1111'), '111111')).toBe(`1|${Math.floor(at / 1000)}`);
  expect(await redis.hget(k.campaignRefs(), '1')).toBe(first);
  const second = await batch();
  expect(
    await store.beginCall(second, 0, 'b', { indices: [0, 1], numbers: ['111111', '333333'], at: Date.now(), clockNow: Date.now() }, 0, cap),
  ).toMatchObject({ ok: true, settled: 1, calling: 1 });
  expect((await store.load(second, 0))!.outcomes.get(0)).toEqual(['k']);
  // The first call sent nothing after all (say -9): its count comes back, and the number may be sent again.
  await store.uncountSends(['111111'], at);
  const third = await batch();
  expect(
    await store.beginCall(third, 0, 'c', { indices: [0], numbers: ['111111'], at: Date.now(), clockNow: Date.now() }, 0, cap),
  ).toMatchObject({ ok: true, settled: 0, calling: 1 });
  // A campaign that ignores the cap (one-time passwords) is never capped.
  const otp = await batch();
  await redis.hset(k.campaign(otp), 'ignoreFrequencyCap', '1');
  expect(
    await store.beginCall(otp, 0, 'd', { indices: [0], numbers: ['111111'], at: Date.now(), clockNow: Date.now() }, 0, cap),
  ).toMatchObject({ ok: true, settled: 0, calling: 1 });
});

it("reserves a batch's webhook events with its count, and gives the same ones back to a re-run", async () => {
  const id = await batch();
  await store.settle(
    id,
    0,
    outcomes([
      [0, ['s', 'm0']],
      [1, ['f', '-9', 'refused']],
      [2, ['s', 'm2']],
    ]),
  );
  const first = await store.finish(id, 0, 3, { webhooks: true });
  expect(first).toEqual({
    result: 'completed',
    events: { seq: 1, at: expect.any(Number), completed: { seq: 2, counts: { sent: 2, failed: 1, unknown: 0, cancelled: 0, notSent: 0 } } },
  });
  expect(await store.finish(id, 0, 3, { webhooks: true })).toEqual({ ...first, result: 'already' });
  expect(await redis.hget(k.campaign(id), 'webhookSeq')).toBe('2');
  // Reconcile changing a batch drops them: a late re-run must not send the old outcomes under their id again.
  expect(await store.reconcile(id, 0, outcomes([[1, ['s', 'x']]]))).toBe(0);
  expect(await store.finish(id, 0, 3, { webhooks: true })).toEqual({ ...first, result: 'already' });
  const other = await batch();
  await store.settle(
    other,
    0,
    outcomes([
      [0, ['u', 'ETIMEDOUT', 'no answer', 1]],
      [1, ['s', 'm1']],
      [2, ['s', 'm2']],
    ]),
  );
  expect((await store.finish(other, 0, 3, { webhooks: true })).events).toBeDefined();
  expect(await store.reconcile(other, 0, outcomes([[0, ['s', 'm0']]]))).toBe(1);
  expect(await store.finish(other, 0, 3, { webhooks: true })).toEqual({ result: 'already' });
});

it('records no call, and says gone, for a batch or campaign whose record Redis lost under a run that had loaded it', async () => {
  const id = await batch();
  await redis.del(k.campaign(id));
  expect(await begin(id, 'lost-campaign', [0], 0)).toBe('gone');
  const other = await batch();
  await redis.del(k.batch(other, 0));
  expect(await begin(other, 'lost-batch', [0], 0)).toBe('gone');
  // Nothing was written: no fresh hash holds a call in flight that a later run would take for a real one.
  expect(await redis.exists(k.batch(other, 0), k.campaign(id))).toBe(0);
});
