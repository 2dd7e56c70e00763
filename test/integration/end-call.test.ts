import { createContext, type Context } from '../../src/shared/context';
import { createLogger } from '../../src/shared/logger';
import type { StoredOutcome } from '../../src/shared/types';
import { beginCall, stageOneBatch } from '../support/batch-calls';
import { deletePrefix, testConfig, uniquePrefix } from '../support/env';

/**
 * END_CALL against Redis: a call's end records its outcomes, indexes what it sent and counts the batch in, in one
 * script, or writes nothing at all when the call is not its run's any more.
 */
const prefix = uniquePrefix('end-call');
let ctx: Context;
let n = 0;

beforeAll(async () => {
  ctx = await createContext(testConfig(prefix, 'http://127.0.0.1:9/sms'), createLogger('silent'), 'client');
});

afterAll(async () => {
  await ctx.close();
  await deletePrefix(prefix);
});

const RECIPIENTS = Array.from({ length: 4 }, (_, i) => ({ number: `44770090011${i}`, orderId: `o${i}` }));

/** A running campaign of one batch of four recipients. */
async function campaign(): Promise<string> {
  const id = `c${++n}`;
  await stageOneBatch(ctx, id, RECIPIENTS);
  return id;
}

function begin(id: string, token: string, indices: number[]): Promise<void> {
  return beginCall(ctx, id, token, RECIPIENTS, indices);
}

/** Ends the call `token` as CallLoop does: its sends indexed, the batch counted in if it is the last call. */
async function end(id: string, token: string, outcomes: Map<number, StoredOutcome>) {
  const index = await ctx.delivery.sentIndexing(id, 0, RECIPIENTS, outcomes, Date.now());
  return ctx.batches.endCall(id, 0, token, outcomes, { index, finish: { recipients: RECIPIENTS.length, autoSettle: true } });
}

const sent = (from: number, to: number, tag: string) =>
  new Map<number, StoredOutcome>(Array.from({ length: to - from }, (_, j) => [from + j, ['s', `${tag}${from + j}`]]));

it('records, indexes and counts a batch settled by one call, in one script', async () => {
  const id = await campaign();
  await begin(id, 'run', [0, 1, 2, 3]);
  const r = await end(id, 'run', sent(0, 4, `${id}m`));
  expect(r).toEqual({ ok: true, version: 1, skipped: 0, reportsHeld: false, finished: { result: 'completed' } });
  const stored = await ctx.batches.load(id, 0);
  expect(stored).toMatchObject({ done: true, inFlight: null });
  expect(await ctx.redis.hmget(ctx.keys.campaign(id), 'state', 'sent', 'batchesDone')).toEqual(['completed', '4', '1']);
  const found = await ctx.delivery.index.lookup([`${id}m0`, `${id}m3`]);
  expect(found.map((l) => l && [l.campaignId, l.batch, l.index, l.numberTail])).toEqual([
    [id, 0, 0, '0110'],
    [id, 0, 3, '0113'],
  ]);
  expect(await ctx.redis.zrange(ctx.keys.awaitingReports(), 0, -1)).toContainEqual(expect.stringMatching(new RegExp(`\\t${id}\\t0$`)));
});

it('records and indexes the first half of a split call without counting the batch; the second half counts it', async () => {
  const id = await campaign();
  await begin(id, 'run', [0, 1]);
  expect(await end(id, 'run', sent(0, 2, `${id}a`))).toEqual({
    ok: true,
    version: 1,
    skipped: 0,
    reportsHeld: false,
    finished: { result: 'incomplete' },
  });
  expect(await ctx.redis.hget(ctx.keys.campaign(id), 'batchesDone')).toBeNull();
  expect((await ctx.delivery.index.lookup([`${id}a1`]))[0]).toMatchObject({ campaignId: id, index: 1 });
  await begin(id, 'run', [2, 3]);
  const last = new Map<number, StoredOutcome>([
    [2, ['s', `${id}b2`]],
    [3, ['f', '-9', 'number abnormal']],
  ]);
  expect(await end(id, 'run', last)).toMatchObject({ ok: true, version: 2, finished: { result: 'completed' } });
  expect(await ctx.redis.hmget(ctx.keys.campaign(id), 'sent', 'failed', 'oc:f:-9')).toEqual(['3', '1', '1']);
  expect((await ctx.delivery.index.lookup([`${id}b2`]))[0]).toMatchObject({ campaignId: id, index: 2 });
});

it('writes nothing, no outcome, no msgId, no count, when another run has ended the call', async () => {
  const id = await campaign();
  await begin(id, 'dead', [0, 1, 2, 3]);
  const lost = new Map<number, StoredOutcome>([0, 1, 2, 3].map((i) => [i, ['u', 'IN_FLIGHT_LOST', 'cut off']]));
  expect(await ctx.batches.endCall(id, 0, 'dead', lost)).toMatchObject({ ok: true });
  expect(await end(id, 'dead', sent(0, 4, `${id}late`))).toEqual({ ok: false, reason: 'lost' });
  expect([...(await ctx.batches.load(id, 0))!.outcomes.values()].every((o) => o[0] === 'u')).toBe(true);
  expect(await ctx.delivery.index.lookup([`${id}late0`])).toEqual([null]);
  expect(await ctx.redis.hget(ctx.keys.campaign(id), 'batchesDone')).toBeNull();
});

it('says when reports wait for the msgIds it indexed', async () => {
  const id = await campaign();
  await ctx.redis.set(ctx.keys.heldReportsFlag(), '1', 'PX', 5_000);
  try {
    await begin(id, 'run', [0, 1, 2, 3]);
    expect(await end(id, 'run', sent(0, 4, `${id}h`))).toMatchObject({ ok: true, reportsHeld: true });
  } finally {
    await ctx.redis.del(ctx.keys.heldReportsFlag());
  }
});

it('keeps a call of one run of indices in flight as its two ends, and any other call as its indices', async () => {
  const id = await campaign();
  await begin(id, 'run', [1, 2, 3]);
  expect(await ctx.redis.hget(ctx.keys.batch(id, 0), 'fly')).toMatch(/^\{"(r":\[1,3\],"at|at":\d+,"r":\[1,3\])/);
  expect((await ctx.batches.load(id, 0))!.inFlight).toMatchObject({ t: 'run', i: [1, 2, 3] });
  await ctx.batches.endCall(id, 0, 'run', new Map());
  await begin(id, 'run', [0, 2]);
  expect((await ctx.batches.load(id, 0))!.inFlight).toMatchObject({ t: 'run', i: [0, 2] });
});
