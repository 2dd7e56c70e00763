import { BatchStore } from '../../src/shared/batch-store';
import { keys } from '../../src/shared/keys';
import type { RedisClient } from '../../src/shared/redis';
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

it('keeps the first outcome stored for a recipient and says how many it skipped', async () => {
  const id = await batch();
  expect(await store.settle(id, 0, outcomes([[0, ['s', 'm1']]]))).toEqual({ ok: true, version: 1, skipped: 0 });
  expect(await store.settle(id, 0, outcomes([[0, ['c']], [1, ['c']]]))).toEqual({ ok: true, version: 2, skipped: 1 });
  const rec = await store.load(id, 0);
  expect([...rec!.outcomes]).toEqual([[0, ['s', 'm1']], [1, ['c']]]);
});

it('refuses a second call while one is in flight, and settling around it', async () => {
  const id = await batch();
  expect(await store.beginCall(id, 0, 'run-a', [0, 1, 2], 0)).toBe('ok');
  expect(await store.beginCall(id, 0, 'run-b', [0, 1, 2], 0)).toBe('busy');
  expect(await store.settle(id, 0, outcomes([[0, ['c']]]))).toEqual({ ok: false, reason: 'busy' });
  expect((await store.load(id, 0))!.inFlight).toMatchObject({ t: 'run-a', i: [0, 1, 2] });
});

it('lets a later run end a dead run\'s call, after which the dead run\'s own answer is refused', async () => {
  const id = await batch();
  await store.beginCall(id, 0, 'dead', [0, 1, 2], 0);
  const unknown: StoredOutcome = ['u', 'IN_FLIGHT_LOST', 'cut off'];
  expect(await store.endCall(id, 0, 'dead', outcomes([[0, unknown], [1, unknown], [2, unknown]]))).toMatchObject({ ok: true });
  expect(await store.endCall(id, 0, 'dead', outcomes([[0, ['s', 'late']]]))).toEqual({ ok: false, reason: 'lost' });
  expect((await store.load(id, 0))!.outcomes.get(0)).toEqual(unknown);
});

it('refuses a call from a run whose view is behind another run\'s writes', async () => {
  const id = await batch();
  const seen = (await store.load(id, 0))!.version;
  // Another run, alive after losing its lock, records an answer in between.
  await store.beginCall(id, 0, 'other', [0], seen);
  await store.endCall(id, 0, 'other', outcomes([[0, ['s', 'm0']]]));
  expect(await store.beginCall(id, 0, 'mine', [0, 1, 2], seen)).toBe('stale');
});

it('refuses calls once the campaign is cancelled, and counts a settled batch in exactly once', async () => {
  const id = await batch();
  await redis.hset(k.campaign(id), 'state', 'cancelled');
  expect(await store.beginCall(id, 0, 'run', [0], 0)).toBe('cancelled');
  expect(await store.finish(id, 0, 3)).toEqual({ result: 'incomplete' });
  await store.settle(id, 0, outcomes([[0, ['c']], [1, ['c']], [2, ['c']]]));
  expect(await store.finish(id, 0, 3)).toEqual({ result: 'completed' });
  expect(await store.finish(id, 0, 3)).toEqual({ result: 'already' });
  expect(await redis.hget(k.campaign(id), 'cancelled')).toBe('3');
});

it("reserves a batch's webhook events with its count, and gives the same ones back to a re-run", async () => {
  const id = await batch();
  await store.settle(id, 0, outcomes([[0, ['s', 'm0']], [1, ['f', '-9', 'refused']], [2, ['s', 'm2']]]));
  const first = await store.finish(id, 0, 3, true);
  expect(first).toEqual({ result: 'completed', events: { seq: 1, at: expect.any(Number), completed: { seq: 2, counts: { sent: 2, failed: 1, unknown: 0, cancelled: 0, notSent: 0 } } } });
  expect(await store.finish(id, 0, 3, true)).toEqual({ ...first, result: 'already' });
  expect(await redis.hget(k.campaign(id), 'webhookSeq')).toBe('2');
  // Reconcile changing a batch drops them: a late re-run must not send the old outcomes under their id again.
  expect(await store.reconcile(id, 0, outcomes([[1, ['s', 'x']]]))).toBe(0);
  expect(await store.finish(id, 0, 3, true)).toEqual({ ...first, result: 'already' });
  const other = await batch();
  await store.settle(other, 0, outcomes([[0, ['u', 'ETIMEDOUT', 'no answer', 1]], [1, ['s', 'm1']], [2, ['s', 'm2']]]));
  expect((await store.finish(other, 0, 3, true)).events).toBeDefined();
  expect(await store.reconcile(other, 0, outcomes([[0, ['s', 'm0']]]))).toBe(1);
  expect(await store.finish(other, 0, 3, true)).toEqual({ result: 'already' });
});
