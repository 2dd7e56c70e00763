import { BatchStore, type SendChecks } from '../../src/shared/batch/store';
import { COMPLETE_IF_SETTLED } from '../../src/shared/batch/scripts';
import { CampaignGate } from '../../src/shared/campaign/gate';
import { CAMPAIGN_STATES, fromStates, LIFECYCLE, LIFECYCLE_ROWS, allowedFrom, type MoveName } from '../../src/shared/campaign/lifecycle';
import { CampaignStore } from '../../src/shared/campaign/store';
import { SmsqError } from '../../src/shared/errors';
import type { RedisClient } from '../../src/shared/redis/connection';
import { keys } from '../../src/shared/redis/keys';
import { runScript } from '../../src/shared/redis/lua';
import type { CampaignState } from '../../src/shared/types';
import { deletePrefix, testRedis, uniquePrefix } from '../support/env';

/**
 * Walks the campaign lifecycle table (src/shared/campaign/lifecycle.ts) against Redis: every move it allows is made,
 * by CampaignStore.transition and by each Lua script that writes a state itself, from exactly the states it lists;
 * every other pair of states is refused with TRANSITION_NOT_ALLOWED and leaves the record as it was.
 */
const prefix = uniquePrefix('lifecycle');
const k = keys(prefix);
let redis: RedisClient;
let campaigns: CampaignStore;
let batches: BatchStore;
let gate: CampaignGate;
let n = 0;

beforeAll(() => {
  redis = testRedis();
  campaigns = new CampaignStore(redis, k);
  batches = new BatchStore(redis, k, 3600);
  gate = new CampaignGate(redis, k);
});

afterAll(async () => {
  redis.disconnect();
  await deletePrefix(prefix);
});

/** A campaign in `state` with one batch of one recipient, the batch's outcome stored (and counted) when given. */
async function campaign(state: CampaignState, fields: Record<string, string> = {}): Promise<string> {
  const id = `c${++n}`;
  await redis.hset(k.campaign(id), { state, total: '1', batches: '1', createdAt: '1', ...fields });
  await redis.hset(k.batch(id, 0), 'r', '111111,a');
  return id;
}
const stateOf = async (id: string): Promise<string | null> => redis.hget(k.campaign(id), 'state');

const pairs = CAMPAIGN_STATES.flatMap((from) => CAMPAIGN_STATES.map((to) => ({ from, to })));
const allowedPairs = LIFECYCLE_ROWS.flatMap(([move, row]) => row.from.map((from) => ({ move, from, to: row.to })));
const refusedPairs = pairs.filter(({ from, to }) => !allowedFrom(from).includes(to));

/** What a script-made move does to a campaign in each state: the state it ends in. */
async function walk(
  move: MoveName,
  make: (id: string) => Promise<unknown>,
  setup: (state: CampaignState) => Promise<string>,
): Promise<void> {
  for (const state of CAMPAIGN_STATES) {
    const id = await setup(state);
    await make(id);
    const expected = (LIFECYCLE[move].from as readonly CampaignState[]).includes(state) ? LIFECYCLE[move].to : state;
    expect({ move, from: state, now: await stateOf(id) }).toEqual({ move, from: state, now: expected });
  }
}

describe('CampaignStore.transition', () => {
  it.each(allowedPairs)('makes $move from $from to $to', async ({ from, to }) => {
    const id = await campaign(from);
    expect(await campaigns.transition(id, { from: [from], to }, { movedBy: 'test' })).toBe('ok');
    expect(await redis.hmget(k.campaign(id), 'state', 'movedBy')).toEqual([to, 'test']);
  });

  it.each(refusedPairs)('refuses $from -> $to with TRANSITION_NOT_ALLOWED and changes nothing', async ({ from, to }) => {
    const id = await campaign(from);
    const err = await campaigns.transition(id, { from: [from], to }, { movedBy: 'test' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmsqError);
    expect(err).toMatchObject({ code: 'TRANSITION_NOT_ALLOWED', details: { from, to, allowed: allowedFrom(from) } });
    expect(await redis.hmget(k.campaign(id), 'state', 'movedBy')).toEqual([from, null]);
  });

  it("leaves a campaign in none of a move's states as it is, and says which state it found", async () => {
    const id = await campaign('completed');
    expect(await campaigns.transition(id, LIFECYCLE.cancel)).toBe('completed');
    expect(await stateOf(id)).toBe('completed');
    expect(await campaigns.transition('no-such-campaign', LIFECYCLE.cancel)).toBe('missing');
  });
});

describe('the Lua scripts that write a state', () => {
  const NO_CHECKS: SendChecks = { suppression: false, contacts: false, capCount: 0, capPeriodSeconds: 0, contactTtlSeconds: 60 };

  it("start a campaign with a batch's first call (firstCall) from its states only", async () => {
    await walk(
      'firstCall',
      (id) => batches.beginCall(id, 0, 'run', { indices: [0], numbers: ['111111'], at: Date.now(), clockNow: Date.now() }, 0, NO_CHECKS),
      (state) => campaign(state),
    );
  });

  it('complete a campaign with its last batch counted (complete, FINISH_BATCH) from its states only', async () => {
    await walk(
      'complete',
      (id) => batches.finish(id, 0, 1),
      async (state) => {
        const id = await campaign(state);
        await redis.hset(k.batch(id, 0), 'o', JSON.stringify({ 0: ['s', 'm1'] }));
        return id;
      },
    );
  });

  it('complete a settled campaign (complete, COMPLETE_IF_SETTLED) from its states only', async () => {
    await walk(
      'complete',
      (id) => runScript(redis, COMPLETE_IF_SETTLED, [k.campaign(id)], ['3600', String(Date.now()), fromStates(LIFECYCLE.complete), '']),
      (state) => campaign(state, { sent: '1' }),
    );
  });

  it('run a completed campaign again for a resend (reopen, REOPEN_BATCH) from its states only', async () => {
    await walk(
      'reopen',
      (id) => batches.reopen(id, 0, 1),
      async (state) => {
        const id = await campaign(state, { notSent: '1', batchesDone: '1' });
        await redis.hset(k.batch(id, 0), 'o', JSON.stringify({ 0: ['n', 'not in the records'] }), 'st', 'done');
        return id;
      },
    );
  });

  it('resume a campaign (resume, RESUME_CAMPAIGN) from its states only', async () => {
    await walk(
      'resume',
      (id) => gate.resume(id, Date.now()),
      (state) => campaign(state),
    );
  });

  it('resume a campaign paused before its sendAt to scheduled (resumeScheduled, RESUME_CAMPAIGN) from its states only', async () => {
    await walk(
      'resumeScheduled',
      (id) => gate.resume(id, Date.now()),
      (state) => campaign(state, { sendAt: String(Date.now() + 3_600_000) }),
    );
  });
});
