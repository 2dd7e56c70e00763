import { createContext, type Context } from '../../src/shared/context';
import { outcomesJson, outcomesTally } from '../../src/shared/batch/store';
import { END_CALL } from '../../src/shared/batch/scripts';
import { fromStates, LIFECYCLE } from '../../src/shared/campaign/lifecycle';
import { runScript } from '../../src/shared/redis/lua';
import { createLogger } from '../../src/shared/logger';
import type { StoredOutcome } from '../../src/shared/types';
import { beginCall, stageOneBatch } from '../support/batch-calls';
import { deletePrefix, testConfig, uniquePrefix } from '../support/env';

/**
 * END_CALL counts a batch settled by one call from the call's own tally of its outcomes instead of decoding them:
 * the campaign's counters must be exactly what decoding them gives, and a batch that held outcomes before the call
 * must be counted from what is stored, whatever the tally says.
 */
const prefix = uniquePrefix('end-call-tally');
let ctx: Context;
let n = 0;

beforeAll(async () => {
  ctx = await createContext(testConfig(prefix, 'http://127.0.0.1:9/sms'), createLogger('silent'), 'client');
});

afterAll(async () => {
  await ctx.close();
  await deletePrefix(prefix);
});

const SIZE = 12;
const RECIPIENTS = Array.from({ length: SIZE }, (_, i) => ({ number: `4477009002${String(i).padStart(2, '0')}`, orderId: `o${i}` }));

/** Sent, failed and unknown outcomes under several codes, one with characters JSON escapes. */
const MIXED: StoredOutcome[] = [
  ['s', 'm0'],
  ['f', '-9', 'number abnormal'],
  ['s', 'm2'],
  ['u', '-99', 'timeout', 1],
  ['f', 'NOT_ACCEPTED', 'not accepted by gateway'],
  ['u', 'IN_FLIGHT_LOST', 'cut off'],
  ['f', '-9', 'number abnormal'],
  ['s', 'm7'],
  ['u', 'we"ird:\\code', 'odd'],
  ['f', 'NOT_ACCEPTED', 'not accepted by gateway'],
  ['s', 'm10'],
  ['u', '-99', 'timeout', 2],
];

/** A running campaign of one batch of SIZE recipients. */
async function campaign(): Promise<string> {
  const id = `c${++n}`;
  await stageOneBatch(ctx, id, RECIPIENTS);
  return id;
}

function begin(id: string, token: string, indices: number[]): Promise<void> {
  return beginCall(ctx, id, token, RECIPIENTS, indices);
}

/** The campaign counters MIXED gives once its batch is counted in. */
const MIXED_COUNTERS = {
  sent: '4',
  failed: '4',
  unknown: '4',
  batchesDone: '1',
  'oc:f:-9': '2',
  'oc:f:NOT_ACCEPTED': '2',
  'oc:u:-99': '2',
  'oc:u:IN_FLIGHT_LOST': '1',
  'oc:u:we"ird:\\code': '1',
};

const outcomesOf = (indices: number[]) => new Map<number, StoredOutcome>(indices.map((i) => [i, MIXED[i]]));
const all = Array.from({ length: SIZE }, (_, i) => i);

/** The campaign's outcome counters and its `oc:` per-code fields. */
async function counters(id: string): Promise<Record<string, string>> {
  const c = await ctx.redis.hgetall(ctx.keys.campaign(id));
  return Object.fromEntries(
    Object.entries(c).filter(([k]) => ['sent', 'failed', 'unknown', 'batchesDone'].includes(k) || k.startsWith('oc:')),
  );
}

/** END_CALL as BatchStore.endCall runs it, but with the tally given here, and no msgId index. */
function endCallWithTally(id: string, token: string, outcomes: Map<number, StoredOutcome>, tally: string) {
  const k = ctx.keys;
  return runScript(
    ctx.redis,
    END_CALL,
    [
      k.batch(id, 0),
      k.campaign(id),
      k.deliveries(id, 0),
      k.campaignSeries(id),
      k.awaitingReports(),
      k.awaitingReports(),
      k.heldReportsFlag(),
      k.batchCalls(id, 0),
    ],
    [
      token,
      outcomesJson(outcomes),
      String(outcomes.size),
      String(SIZE),
      '600',
      String(Date.now()),
      '100',
      '0',
      '',
      fromStates(LIFECYCLE.complete),
      '',
      '',
      '0',
      '0',
      '',
      tally,
      '',
      '64',
    ],
  );
}

it('counts a one-call batch from the tally exactly as decoding its outcomes does, codes included', async () => {
  // Counted by END_CALL from the call's tally.
  const tallied = await campaign();
  await begin(tallied, 'run', all);
  const r = await ctx.batches.endCall(tallied, 0, 'run', outcomesOf(all), { finish: { recipients: SIZE } });
  expect(r).toMatchObject({ ok: true, finished: { result: 'completed' } });
  // The same outcomes recorded without counting, then counted by FINISH_BATCH, which decodes them.
  const decoded = await campaign();
  await begin(decoded, 'run', all);
  expect(await ctx.batches.endCall(decoded, 0, 'run', outcomesOf(all))).toMatchObject({ ok: true });
  expect(await ctx.batches.finish(decoded, 0, SIZE)).toEqual({ result: 'completed' });

  expect(await counters(tallied)).toEqual(MIXED_COUNTERS);
  expect(await counters(decoded)).toEqual(MIXED_COUNTERS);
  expect((await ctx.batches.load(tallied, 0))!.outcomes).toEqual(outcomesOf(all));
});

it('reads a one-call batch counts from the tally, without decoding its outcomes', async () => {
  const id = await campaign();
  await begin(id, 'run', all);
  // A tally that adds up but differs from the outcomes shows which one was counted.
  const tally = JSON.stringify({ s: 10, f: 2, 'oc:f:T': 2 });
  expect(await endCallWithTally(id, 'run', outcomesOf(all), tally)).toEqual([1, 0, 'completed', 0]);
  expect(await counters(id)).toEqual({ sent: '10', failed: '2', unknown: '0', batchesDone: '1', 'oc:f:T': '2' });
});

it('uses the tally only when it adds up to the call outcomes: one that does not is ignored and the outcomes decoded', async () => {
  const id = await campaign();
  await begin(id, 'run', all);
  // Twelve outcomes, but a tally of eleven: not trusted.
  expect(await endCallWithTally(id, 'run', outcomesOf(all), JSON.stringify({ s: 11 }))).toEqual([1, 0, 'completed', 0]);
  expect(await ctx.redis.hmget(ctx.keys.campaign(id), 'sent', 'failed', 'unknown', 'oc:f:-9')).toEqual(['4', '4', '4', '2']);
});

it('counts a batch that held outcomes before the call from what is stored, not from the call tally', async () => {
  const id = await campaign();
  // A first call settles half the batch (a -9 split's first half): recorded, not counted.
  await begin(id, 'run', all.slice(0, 6));
  expect(await ctx.batches.endCall(id, 0, 'run', outcomesOf(all.slice(0, 6)))).toMatchObject({ ok: true });
  // The second call's tally speaks for its six outcomes only: taken for the batch's, it would leave it 'incomplete'.
  await begin(id, 'run', all.slice(6));
  const second = outcomesOf(all.slice(6));
  expect(await endCallWithTally(id, 'run', second, outcomesTally(second))).toEqual([2, 0, 'completed', 0]);
  expect(await counters(id)).toEqual(MIXED_COUNTERS);
});

it('counts a batch whose call met outcomes another run stored from what is stored', async () => {
  const id = await campaign();
  // Another run settled recipient 0 as unknown; this call's outcome for it is skipped (first writer wins).
  await begin(id, 'dead', [0]);
  expect(await ctx.batches.endCall(id, 0, 'dead', new Map<number, StoredOutcome>([[0, ['u', 'IN_FLIGHT_LOST', 'cut off']]]))).toMatchObject(
    {
      ok: true,
    },
  );
  await begin(id, 'run', all.slice(1));
  const withFirst = outcomesOf(all);
  const r = await endCallWithTally(id, 'run', withFirst, outcomesTally(withFirst));
  expect(r).toEqual([2, 1, 'completed', 0]);
  // Recipient 0 counts as the unknown stored first, not as the call's sent.
  expect(await counters(id)).toMatchObject({ sent: '3', failed: '4', unknown: '5', 'oc:u:IN_FLIGHT_LOST': '2' });
});
