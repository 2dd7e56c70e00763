/**
 * The settle job (src/worker/settle-job.ts, with src/shared/settling) against in-memory fakes: how `unknown`
 * recipients become `sent` or `not-sent` from the gateway's own records, when the job waits instead, what it resends
 * and when it completes the campaign. test/integration/auto-settle.test.ts runs it against Redis and the simulator.
 */
import { AccountGateways } from '../../../src/shared/accounts/gateways';
import { withAccount } from '../../../src/shared/accounts/outcome-account';
import type { Config } from '../../../src/shared/config';
import { jobIds } from '../../../src/shared/redis/keys';
import type { GatewayQueries, SentRecord } from '../../../src/shared/gateway/queries';
import { createLogger } from '../../../src/shared/logger';
import type { CampaignRecord } from '../../../src/shared/campaign/record';
import type { JobOf } from '../../../src/shared/queues';
import type { StoredOutcome } from '../../../src/shared/types';
import { MAX_AUTO_RESEND_ROUNDS, scheduleSettle, settleJob } from '../../../src/worker/settle-job';
import { fakeContext, FakeJob, FakeQueries, recipients, runJob } from '../../support/fakes';
import type * as LuaBacked from '../../support/fakes/lua-backed';

// The settle lock and completion run Lua on ctx.redis themselves: their stand-ins do the same on the fake world.
jest.mock(
  '../../../src/shared/settling/settle-lock',
  () => jest.requireActual<typeof LuaBacked>('../../support/fakes/lua-backed').settleLock,
);
jest.mock('../../../src/shared/settling/complete', () => jest.requireActual<typeof LuaBacked>('../../support/fakes/lua-backed').complete);

const C = 'c1';
/** When the calls whose answers were lost started: long enough ago for the gateway to have recorded them. */
const CALLED_AT = Date.now() - 30 * 60_000;
const WEBHOOKS = { WEBHOOK_URL: 'https://hooks.example.com/smsq', WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}` };

const unknown = (calledAt = CALLED_AT): StoredOutcome => ['u', 'ECONNRESET', 'no complete answer after the request was sent', calledAt];

/**
 * A campaign whose batches ran with these outcomes (undefined: still pending) and were counted when none was
 * pending; the gateway's records are what `records` holds.
 */
function setup(
  batches: Array<Array<StoredOutcome | undefined>>,
  opts: { env?: Record<string, string>; campaign?: Partial<CampaignRecord> } = {},
) {
  const f = fakeContext({ ...WEBHOOKS, ...opts.env });
  const lists = batches.map((b, k) => recipients(b.length, 10 * k));
  f.world.addCampaign(C, lists, opts.campaign);
  batches.forEach((outcomes, k) => {
    const b = f.world.batch(C, k);
    outcomes.forEach((o, i) => o && b?.outcomes.set(i, o));
  });
  const records: SentRecord[] = [];
  const queries = new FakeQueries(() => records);
  const job = () => new FakeJob('settle', jobIds.settle(C, 0), { campaignId: C, round: 0 }, { attempts: 14 });
  const processor = (j: JobOf<'settle'>, token: string) => settleJob(f.ctx, queries.asQueries(), j, token);
  /** Counts the batches with no pending recipient into the campaign, as their jobs' ends do. */
  const countBatches = async () => {
    for (let k = 0; k < batches.length; k++) await f.batches.finish(C, k, lists[k].length, { autoSettle: true, webhooks: true });
  };
  const outcomes = (k = 0) => lists[k].map((_, i) => f.world.batch(C, k)?.outcomes.get(i));
  /** The gateway's record of a message to recipient `i` of batch `k`, `ms` after its call. */
  const recorded = (k: number, i: number, msgId: string, ms = 1_000, rawStatus = '0') =>
    records.push({ msgId, number: lists[k][i].number, receiveTime: CALLED_AT + ms, rawStatus });
  return { ...f, queries, job, processor, countBatches, outcomes, recorded, lists, records };
}

/** Every account's queries scripted: the AccountGateways settling asks, with a FakeQueries per account. */
class ScriptedAccounts extends AccountGateways {
  constructor(
    config: Config,
    private readonly scripted: Record<string, FakeQueries>,
  ) {
    super(config, createLogger('silent'));
  }

  override queries(name: string): GatewayQueries {
    return this.scripted[name].asQueries();
  }
}

describe('settle job: unknown recipients settled from the gateway records', () => {
  it('makes sent those the gateway recorded, with its msgId, and not-sent the others; then completes the campaign', async () => {
    const s = setup([[unknown(), unknown(), ['s', 'm-old']]], { env: { SMS_AUTO_RESEND: 'false' } });
    await s.countBatches();
    s.recorded(0, 0, 'g1');
    expect(s.world.campaign(C)?.state).toBe('running');
    const end = await runJob(s.job(), s.processor);
    expect(end).toEqual({ kind: 'completed', value: { campaignId: C, unknown: 2, sent: 1, notSent: 1, resent: 0, completed: true } });
    expect(s.outcomes()).toEqual([
      ['s', 'g1'],
      ['n', expect.stringContaining("not in the gateway's sent records") as unknown],
      ['s', 'm-old'],
    ]);
    expect(s.world.campaign(C)).toMatchObject({ state: 'completed', counts: { sent: 2, notSent: 1, unknown: 0 } });
    // The msgId found is indexed for delivery reports; the batch's new outcomes and the completion go to the webhook.
    expect(s.delivery.index.entries.get('g1')).toMatchObject({ campaignId: C, batch: 0, index: 0 });
    expect(s.webhooks.types()).toEqual(['recipients.settled', 'campaign.completed']);
  });

  it('takes the record nearest the call, and never a msgId already given to another recipient', async () => {
    const s = setup([[unknown()]], { env: { SMS_AUTO_RESEND: 'false' } });
    await s.countBatches();
    s.recorded(0, 0, 'g-taken', 0);
    s.recorded(0, 0, 'g-near', 2_000);
    s.recorded(0, 0, 'g-far', 4 * 60_000);
    await s.delivery.indexEntries([
      { msgId: 'g-taken', campaignId: 'other', batch: 0, index: 0, number: s.lists[0][0].number, sentAt: CALLED_AT },
    ]);
    await runJob(s.job(), s.processor);
    expect(s.outcomes()).toEqual([['s', 'g-near']]);
  });

  it('counts a message the gateway took and then failed (status 2) as sent, with its failed delivery report', async () => {
    const s = setup([[unknown()]], { env: { SMS_AUTO_RESEND: 'false' } });
    await s.countBatches();
    s.recorded(0, 0, 'g1', 1_000, '2');
    await runJob(s.job(), s.processor);
    expect(s.outcomes()).toEqual([['s', 'g1']]);
    expect(s.delivery.reports).toEqual([
      { report: expect.objectContaining({ msgId: 'g1', state: 'x', code: '2' }) as unknown, source: 'poll' },
    ]);
  });
});

describe('settle job: resending not-sent recipients', () => {
  it('queues a resend round for the not-sent recipients, keeping the campaign open', async () => {
    const s = setup([[unknown(), ['s', 'm1']], [unknown()]]);
    await s.countBatches();
    s.recorded(1, 0, 'g1');
    const end = await runJob(s.job(), s.processor);
    expect(end).toMatchObject({ kind: 'completed', value: { unknown: 2, sent: 1, notSent: 1, resent: 1, completed: false } });
    expect(s.outcomes(0)).toEqual([undefined, ['s', 'm1']]);
    expect(s.queues.batches.ids()).toEqual([jobIds.resend(C, 0, 1)]);
    expect(s.world.campaign(C)).toMatchObject({ state: 'running', resendRounds: 1, resendRound: 1, batchesDone: 1 });
  });

  it(`stops resending after ${MAX_AUTO_RESEND_ROUNDS} rounds: the campaign completes with them not-sent`, async () => {
    const s = setup([[unknown()]], { campaign: { resendRounds: MAX_AUTO_RESEND_ROUNDS } });
    await s.countBatches();
    expect(await runJob(s.job(), s.processor)).toMatchObject({ kind: 'completed', value: { notSent: 1, resent: 0, completed: true } });
    expect(s.queues.batches.ids()).toEqual([]);
  });

  it('resends nothing of a cancelled campaign, and leaves its state alone', async () => {
    const s = setup([[unknown()], [undefined]], { campaign: { state: 'cancelled' } });
    await s.countBatches();
    expect(await runJob(s.job(), s.processor)).toMatchObject({ kind: 'completed', value: { notSent: 1, resent: 0, completed: false } });
    expect(s.queues.batches.ids()).toEqual([]);
    expect(s.world.campaign(C)?.state).toBe('cancelled');
  });
});

describe('settle job: when it waits or fails instead', () => {
  it('waits, delayed and without an attempt, while batches of the campaign are still sending', async () => {
    const s = setup([[unknown()], [undefined]]);
    await s.countBatches();
    const job = s.job();
    const before = Date.now();
    const end = await runJob(job, s.processor);
    // Until the settling wait (SMS_SETTLE_AFTER_MS, 5 minutes by default) has passed again.
    expect(end.kind === 'delayed' && end.until - before).toBeGreaterThanOrEqual(5 * 60_000);
    expect(job.attemptsMade).toBe(0);
    expect(s.queries.windows).toHaveLength(0);
  });

  it('waits while a call is too recent for the gateway to have recorded it, leaving it unknown', async () => {
    const s = setup([[unknown(Date.now())]]);
    await s.countBatches();
    expect(await runJob(s.job(), s.processor)).toMatchObject({ kind: 'delayed' });
    expect(s.queries.windows.length).toBeGreaterThan(0);
    expect(s.outcomes()[0]?.[0]).toBe('u');
  });

  it("looks again 5 s later while `smsq settle` holds the campaign's settle lock", async () => {
    const s = setup([[unknown()]]);
    await s.countBatches();
    s.world.settleLocks.add(C);
    const before = Date.now();
    const end = await runJob(s.job(), s.processor);
    expect(end.kind === 'delayed' && end.until - before).toBeGreaterThanOrEqual(5_000);
    expect(end.kind === 'delayed' && end.until - Date.now()).toBeLessThanOrEqual(5_000);
    expect(s.queries.windows).toHaveLength(0);
  });

  it('leaves the recipients unknown and notes why when getSentRcd fails, failing the attempt for BullMQ to retry', async () => {
    const s = setup([[unknown()]], { env: { SMS_AUTO_RESEND: 'false' } });
    await s.countBatches();
    s.recorded(0, 0, 'g1');
    s.queries.fail = { ok: false, kind: 'status', status: '-1', reason: 'authentication error' };
    const job = s.job();
    expect(await runJob(job, s.processor)).toMatchObject({ kind: 'retry', error: { code: 'GATEWAY_QUERY_FAILED' } });
    expect(s.outcomes()[0]?.[0]).toBe('u');
    expect(s.world.campaign(C)?.settleError).toMatch(/^getSentRcd failed: status -1 \(authentication error\)/);
    // The next attempt that reads the records settles them, and clears the note.
    s.queries.fail = null;
    expect(await runJob(job, s.processor)).toMatchObject({ kind: 'completed', value: { sent: 1, completed: true } });
    expect(s.world.campaign(C)?.settleError).toBeUndefined();
  });

  it('settles the accounts whose records it reads, and fails the attempt naming the one whose it could not', async () => {
    const accounts = [
      { name: 'a', baseUrl: 'http://127.0.0.1:9/a' },
      { name: 'b', baseUrl: 'http://127.0.0.1:9/b' },
    ];
    const s = setup([[withAccount(unknown(), 'a'), withAccount(unknown(), 'b')]], {
      env: { SMS_AUTO_RESEND: 'false', SMS_ACCOUNTS: JSON.stringify(accounts) },
    });
    await s.countBatches();
    s.recorded(0, 0, 'ga');
    s.recorded(0, 1, 'gb');
    const a = new FakeQueries(() => s.records);
    a.fail = { ok: false, kind: 'status', status: '-1', reason: 'authentication error' };
    const processor = (j: JobOf<'settle'>, token: string) =>
      settleJob(s.ctx, new ScriptedAccounts(s.ctx.config, { a, b: s.queries }), j, token);
    const job = s.job();
    expect(await runJob(job, processor)).toMatchObject({ kind: 'retry', error: { code: 'GATEWAY_QUERY_FAILED' } });
    // b's recipient settled from b's records, naming b; a's left unknown, and the campaign says why.
    expect(s.outcomes()).toEqual([withAccount(unknown(), 'a'), ['s', 'gb', null, 'b']]);
    expect(s.world.campaign(C)?.settleError).toMatch(/^account a: getSentRcd failed: status -1 \(authentication error\)/);
    a.fail = null;
    expect(await runJob(job, processor)).toMatchObject({ kind: 'completed', value: { unknown: 1, sent: 1, completed: true } });
    expect(s.outcomes()).toEqual([
      ['s', 'ga', null, 'a'],
      ['s', 'gb', null, 'b'],
    ]);
    expect(s.world.campaign(C)?.settleError).toBeUndefined();
  });

  it('does nothing for a campaign that is gone', async () => {
    const s = setup([[unknown()]]);
    s.world.campaigns.delete(C);
    expect(await runJob(s.job(), s.processor)).toMatchObject({ kind: 'completed', value: { skipped: 'missing' } });
  });

  it('does nothing with SMS_AUTO_SETTLE off, and schedules nothing either', async () => {
    const s = setup([[unknown()]], { env: { SMS_AUTO_SETTLE: 'false' } });
    await s.countBatches();
    expect(await runJob(s.job(), s.processor)).toMatchObject({ kind: 'completed', value: { skipped: 'off' } });
    expect(s.outcomes()[0]?.[0]).toBe('u');
    await scheduleSettle(s.ctx, C);
    expect(s.queues.settle.ids()).toEqual([]);
  });
});

describe('scheduleSettle', () => {
  it('adds one settle job per campaign and round, delayed by the settling wait, however many batches ask', async () => {
    const s = setup([[unknown()]]);
    await scheduleSettle(s.ctx, C);
    await scheduleSettle(s.ctx, C);
    expect(s.queues.settle.ids()).toEqual([jobIds.settle(C, 0)]);
    expect(s.queues.settle.jobs.get(jobIds.settle(C, 0))?.opts.delay).toBe(5 * 60_000);
    const rec = s.world.campaign(C);
    if (rec) rec.resendRounds = 1;
    await scheduleSettle(s.ctx, C);
    expect(s.queues.settle.ids()).toEqual([jobIds.settle(C, 0), jobIds.settle(C, 1)]);
  });
});
