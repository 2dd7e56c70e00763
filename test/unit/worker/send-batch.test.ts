/**
 * The batch job's processor (src/worker/send-batch.ts) against in-memory fakes: what reaches the gateway, and how
 * many times; which outcome each recipient gets; what a re-run after a crash does; and which holds move the job
 * without using an attempt. The same paths run against Redis and the simulator in test/integration.
 */
import fc from 'fast-check';
import type { CampaignRecord } from '../../../src/shared/campaign/record';
import { resumeSending } from '../../../src/shared/campaign/sending-control';
import { stageBatch } from '../../../src/shared/campaign/staging';
import { encodeRecipients } from '../../../src/shared/recipient/codec';
import { jobIds } from '../../../src/shared/redis/keys';
import type { JobOf } from '../../../src/shared/queues';
import { parseWindow } from '../../../src/shared/schedule/send-window';
import type { Recipient, StoredOutcome } from '../../../src/shared/types';
import { sendBatch } from '../../../src/worker/send-batch';
import {
  accept,
  crash,
  cutOff,
  fakeContext,
  FakeGateway,
  FakeJob,
  notSent,
  recipients,
  refuseNumbers,
  runJob,
  runToEnd,
  status,
  type Answer,
} from '../../support/fakes';
import { FC_SEED } from '../../support/fc-seed';
import type * as LuaBacked from '../../support/fakes/lua-backed';

// Staging runs Lua on ctx.redis itself: its stand-in does the same on the fake world.
jest.mock('../../../src/shared/campaign/staging', () => jest.requireActual<typeof LuaBacked>('../../support/fakes/lua-backed').staging);

const C = 'c1';

function setup(
  opts: {
    env?: Record<string, string>;
    batches?: Recipient[][];
    campaign?: Partial<CampaignRecord>;
    written?: number;
    attempts?: number;
  } = {},
) {
  const f = fakeContext({
    WEBHOOK_URL: 'https://hooks.example.com/smsq',
    WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    ...opts.env,
  });
  const batches = opts.batches ?? [recipients(5)];
  f.world.addCampaign(C, batches, opts.campaign, opts.written);
  const gateway = new FakeGateway();
  const job = (batch = 0) => new FakeJob('batches', jobIds.batch(C, batch), { campaignId: C, batch }, { attempts: opts.attempts ?? 3 });
  const processor = (j: JobOf<'batches'>, token: string) => sendBatch(f.ctx, gateway.asGateways(), j, token);
  /** The stored outcome of each recipient of a batch, in order (undefined: pending). */
  const outcomes = (batch = 0): Array<StoredOutcome | undefined> => {
    const b = f.world.batch(C, batch);
    return b ? b.recipients.map((_, i) => b.outcomes.get(i)) : [];
  };
  const numbers = (batch = 0) => batches[batch].map((r) => r.number);
  return { ...f, gateway, job, processor, outcomes, numbers };
}

/** Every msgId the gateway gave `number`. */
const msgIdsOf = (gateway: FakeGateway, number: string) => gateway.sent.filter((s) => s.number === number).map((s) => s.msgId);

describe('sendBatch: what reaches the gateway and what is recorded', () => {
  it('sends the batch in one call and records each recipient sent with the msgId the gateway gave it', async () => {
    const s = setup();
    const ends = await runToEnd(s.job(), s.processor);
    expect(ends).toEqual([{ kind: 'completed', value: { campaignId: C, batch: 0, counts: { sent: 5 } } }]);
    expect(s.gateway.calls).toHaveLength(1);
    expect(s.outcomes()).toEqual(s.numbers().map((n) => ['s', msgIdsOf(s.gateway, n)[0]]));
    expect(s.world.campaign(C)).toMatchObject({ state: 'completed', batchesDone: 1, counts: { sent: 5 } });
    // Indexed for delivery reports, and its webhook events queued: the batch's, then the campaign's completion.
    expect(s.delivery.index.entries.size).toBe(5);
    expect(s.webhooks.types()).toEqual(['recipients.settled', 'campaign.completed']);
  });

  it('records a partial acceptance: the numbers the answer leaves out failed NOT_ACCEPTED, the others sent', async () => {
    const s = setup();
    const refused = new Set(s.numbers().slice(3));
    s.gateway.answer(accept(refused));
    await runToEnd(s.job(), s.processor);
    expect(s.outcomes().map((o) => o?.[0])).toEqual(['s', 's', 's', 'f', 'f']);
    expect(s.outcomes()[3]).toEqual(['f', 'NOT_ACCEPTED', 'not accepted by gateway']);
  });

  it('retries -18 in a new attempt and sends each number once', async () => {
    const s = setup();
    s.gateway.answer(status('-18'), status('-18'));
    const ends = await runToEnd(s.job(), s.processor);
    expect(ends.map((e) => e.kind)).toEqual(['retry', 'retry', 'completed']);
    for (const n of s.numbers()) {
      expect(s.gateway.callsWith(n)).toBe(3);
      expect(s.gateway.taken(n)).toBe(1);
    }
    expect(s.outcomes().every((o) => o?.[0] === 's')).toBe(true);
  });

  it('fails the recipients with -18 when the last attempt meets it too', async () => {
    const s = setup({ attempts: 2 });
    s.gateway.answer(status('-18'), status('-18'));
    const ends = await runToEnd(s.job(), s.processor);
    expect(ends.map((e) => e.kind)).toEqual(['retry', 'failed']);
    expect(s.outcomes()).toEqual(s.numbers().map(() => ['f', '-18', 'gateway program exception (after 2 attempts)']));
    expect(s.world.campaign(C)?.counts.failed).toBe(5);
  });

  it('fails every recipient with a permanent status and fails the job without retrying it', async () => {
    const s = setup();
    s.gateway.answer(status('-7'));
    const ends = await runToEnd(s.job(), s.processor);
    expect(ends.map((e) => e.kind)).toEqual(['failed']);
    expect(s.outcomes().every((o) => o?.[0] === 'f' && o[1] === '-7')).toBe(true);
    expect(s.gateway.calls).toHaveLength(1);
  });

  it('isolates a number refused with -9 by halving the call, fails only it, and sends every other number once', async () => {
    const s = setup({ batches: [recipients(8)] });
    const bad = s.numbers()[5];
    s.gateway.answer(...Array.from({ length: 10 }, () => refuseNumbers(new Set([bad]))));
    await runToEnd(s.job(), s.processor);
    expect(s.outcomes().map((o) => o?.[0])).toEqual(['s', 's', 's', 's', 's', 'f', 's', 's']);
    expect(s.outcomes()[5]).toEqual(['f', '-9', 'number abnormal']);
    for (const n of s.numbers()) expect(s.gateway.taken(n)).toBe(n === bad ? 0 : 1);
    // 8 → 4 + 4; the half with the refused number → 2 + 2; its half → 1 + 1: split until the number stands alone.
    expect(s.gateway.calls.map((c) => c.numbers.length)).toEqual([8, 4, 4, 2, 1, 1, 2]);
  });

  it('leaves the recipients of a call whose answer was cut off unknown, schedules their settling, and never resends them', async () => {
    const s = setup();
    s.gateway.answer(cutOff());
    const ends = await runToEnd(s.job(), s.processor);
    expect(ends.map((e) => e.kind)).toEqual(['completed']);
    expect(s.outcomes().every((o) => o?.[0] === 'u' && o[1] === 'ECONNRESET' && typeof o[3] === 'number')).toBe(true);
    // SMS_AUTO_SETTLE (on by default): the campaign stays open for the settle job, queued once.
    expect(s.world.campaign(C)?.state).toBe('running');
    expect(s.queues.settle.ids()).toEqual([jobIds.settle(C, 0)]);
    // A re-run of the finished batch (a stalled job run again) calls nobody.
    await runJob(s.job(), s.processor);
    expect(s.gateway.calls).toHaveLength(1);
    for (const n of s.numbers()) expect(s.gateway.taken(n)).toBe(1);
  });

  it('settles a call a crashed run left in flight as unknown IN_FLIGHT_LOST, and never sends it again', async () => {
    const s = setup();
    s.gateway.answer(crash());
    const ends = await runToEnd(s.job(), s.processor);
    expect(ends.map((e) => e.kind)).toEqual(['stalled', 'completed']);
    expect(s.gateway.calls).toHaveLength(1);
    expect(s.outcomes().every((o) => o?.[0] === 'u' && o[1] === 'IN_FLIGHT_LOST')).toBe(true);
    expect(s.world.batch(C, 0)?.inFlight).toBeNull();
    expect(s.logs.some((l) => l.msg === 'found a call left in flight by an earlier run' && l.recipients === 5)).toBe(true);
  });

  it('redoes, in a re-run, what a run that died after counting its batch left undone: release, settling, webhook events', async () => {
    const s = setup({ env: { SMS_RELEASE_AHEAD: '1' }, batches: [recipients(2), recipients(2, 2)] });
    const b = s.world.batch(C, 0);
    b?.outcomes.set(0, ['s', 'm1']).set(1, ['u', 'ECONNRESET', 'no complete answer', Date.now()]);
    await s.batches.finish(C, 0, 2, { autoSettle: true, webhooks: true });
    expect(await runJob(s.job(0), s.processor)).toMatchObject({ kind: 'completed', value: { counts: { sent: 1, unknown: 1 } } });
    expect(s.gateway.calls).toHaveLength(0);
    expect(s.queues.batches.ids()).toEqual([jobIds.batch(C, 1)]);
    expect(s.queues.settle.ids()).toEqual([jobIds.settle(C, 0)]);
    expect(s.webhooks.types()).toEqual(['recipients.settled']);
  });

  it('sends a crashed call again only with SMS_RETRY_UNKNOWN, where the operator accepted possible duplicates', async () => {
    const s = setup({ env: { SMS_RETRY_UNKNOWN: 'true' } });
    s.gateway.answer(crash());
    await runToEnd(s.job(), s.processor);
    expect(s.gateway.calls).toHaveLength(2);
    expect(s.outcomes().every((o) => o?.[0] === 's')).toBe(true);
  });

  it('lets a second run take over a call in flight: the first run records nothing more, and nobody is sent twice', async () => {
    const s = setup();
    let second: Awaited<ReturnType<typeof runJob>> | undefined;
    // While the first run's call is out, a second run of the same batch starts (its lock lapsed, the job stalled).
    s.gateway.answer(async (call, gateway) => {
      second = await runJob(s.job(), s.processor);
      return accept()(call, gateway);
    });
    const first = await runJob(s.job(), s.processor);
    expect(second).toMatchObject({ kind: 'completed' });
    expect(first).toMatchObject({ kind: 'retry', error: { message: 'another run of this batch took it over; its record stands' } });
    expect(s.gateway.calls).toHaveLength(1);
    expect(s.outcomes().every((o) => o?.[0] === 'u' && o[1] === 'IN_FLIGHT_LOST')).toBe(true);
  });

  it('fails the campaign when the gateway refuses its content, and settles its other batches without calling', async () => {
    const s = setup({ batches: [recipients(3), recipients(3, 3), recipients(3, 6)] });
    s.gateway.answer(status('-3'));
    const ends = await runToEnd(s.job(0), s.processor);
    expect(ends.map((e) => e.kind)).toEqual(['completed']);
    expect(s.world.campaign(C)).toMatchObject({ state: 'failed', failure: { code: '-3' }, batchesDone: 3, counts: { failed: 9 } });
    expect(s.outcomes(2)).toEqual(recipients(3).map(() => ['f', '-3', 'campaign failed: content contains sensitive words']));
    expect(s.gateway.calls).toHaveLength(1);
    expect(s.webhooks.types()).toContain('campaign.failed');
    // A batch of the failed campaign that runs afterwards calls nobody either.
    await runToEnd(s.job(1), s.processor);
    expect(s.gateway.calls).toHaveLength(1);
  });
});

describe('sendBatch: holds that use no attempt', () => {
  it('puts the batch back to waiting and pauses the whole queue on an account-level stop (-10), once', async () => {
    const s = setup({ batches: [recipients(2), recipients(2, 2)] });
    s.gateway.answer(status('-10'), status('-10'));
    const job = s.job(0);
    expect(await runJob(job, s.processor)).toEqual({ kind: 'waiting' });
    expect(job.attemptsMade).toBe(0);
    expect(s.queues.batches.paused && s.queues.campaigns.paused).toBe(true);
    expect(JSON.parse(s.redis.strings.get(s.ctx.keys.accountStop()) ?? '{}')).toMatchObject({
      code: '-10',
      operatorAction: 'top up the gateway account',
    });
    expect(s.outcomes(0)).toEqual([undefined, undefined]);
    // Another batch meeting the same stop records nothing new: one error, one campaign.paused event.
    expect(await runJob(s.job(1), s.processor)).toEqual({ kind: 'waiting' });
    expect(s.logs.filter((l) => l.level === 50 && String(l.msg).startsWith('sending stopped for the whole queue'))).toHaveLength(1);
    expect(s.webhooks.types().filter((t) => t === 'campaign.paused')).toHaveLength(1);
    // Resumed, the batch sends as if nothing happened.
    await resumeSending(s.ctx);
    expect(s.queues.batches.paused).toBe(false);
    expect(await runJob(job, s.processor)).toMatchObject({ kind: 'completed' });
    expect(s.outcomes(0).every((o) => o?.[0] === 's')).toBe(true);
  });

  it("parks a paused campaign's batch in the delayed set for resume to promote, calling nobody", async () => {
    const s = setup({ campaign: { state: 'paused' } });
    const job = s.job();
    const before = Date.now();
    const end = await runJob(job, s.processor);
    expect(end).toMatchObject({ kind: 'delayed', promoted: false });
    expect(end.kind === 'delayed' && end.until).toBeGreaterThanOrEqual(before + 60_000);
    expect(job.attemptsMade).toBe(0);
    expect(s.world.parked.get(C)).toEqual(new Set([job.id]));
    expect(s.gateway.calls).toHaveLength(0);
  });

  it('comes back when a rate cap lets it, calling nobody meanwhile', async () => {
    const s = setup();
    s.gate.holdNext(1_500);
    const before = Date.now();
    const end = await runJob(s.job(), s.processor);
    expect(end.kind === 'delayed' && end.until - before).toBeGreaterThanOrEqual(1_500);
    expect(end.kind === 'delayed' && end.until - Date.now()).toBeLessThanOrEqual(1_500);
    expect(s.gateway.calls).toHaveLength(0);
  });

  it('holds recipients outside their send window until it opens, then sends them', async () => {
    const monday3am = Date.UTC(2026, 0, 5, 3, 0);
    const opens = Date.UTC(2026, 0, 5, 9, 0);
    const s = setup({ campaign: { window: parseWindow('09:00-18:00'), timezone: 'UTC' } });
    s.clock.at = monday3am;
    const job = s.job();
    const before = Date.now();
    const end = await runJob(job, s.processor);
    expect(end.kind === 'delayed' && end.until - before).toBeGreaterThanOrEqual(opens - monday3am);
    expect(end.kind === 'delayed' && end.until - Date.now()).toBeLessThanOrEqual(opens - monday3am);
    expect(job.attemptsMade).toBe(0);
    expect(s.world.windowWaits.get(C)?.get(0)).toBe(opens);
    expect(s.gateway.calls).toHaveLength(0);
    s.clock.at = opens;
    expect(await runJob(job, s.processor)).toMatchObject({ kind: 'completed', value: { counts: { sent: 5 } } });
    expect(s.world.windowWaits.get(C)?.size).toBe(0);
  });

  it('settles pending recipients expired, without a call, once the campaign is past its expireAt', async () => {
    const s = setup({ campaign: { expireAt: Date.now() - 1 } });
    expect(await runJob(s.job(), s.processor)).toMatchObject({ kind: 'completed', value: { counts: { expired: 5 } } });
    expect(s.gateway.calls).toHaveLength(0);
  });

  it("settles a cancelled campaign's batch cancelled without a call", async () => {
    const s = setup({ campaign: { state: 'cancelled' } });
    expect(await runJob(s.job(), s.processor)).toMatchObject({ kind: 'completed', value: { counts: { cancelled: 5 } } });
    expect(s.gateway.calls).toHaveLength(0);
  });

  it('comes back later, unsent, when Redis does not acknowledge the in-flight record (REDIS_DURABILITY)', async () => {
    const s = setup();
    s.batches.refuseNextBegin = 'not-durable';
    const job = s.job();
    expect(await runJob(job, s.processor)).toMatchObject({ kind: 'delayed' });
    expect(job.attemptsMade).toBe(0);
    expect(s.gateway.calls).toHaveLength(0);
    expect(await runJob(job, s.processor)).toMatchObject({ kind: 'completed', value: { counts: { sent: 5 } } });
  });

  it('waits, delayed, for a batch its producer has not written yet; the write promotes it, and it sends', async () => {
    const s = setup({ batches: [recipients(3), recipients(3, 3)], campaign: { staging: { staged: 3 } }, written: 1 });
    const job = s.job(1);
    s.queues.batches.jobs.set(job.id, job);
    expect(await runJob(job, s.processor)).toMatchObject({ kind: 'delayed', promoted: false });
    expect(job.attemptsMade).toBe(0);
    expect(s.world.stagingWaiters.get(C)).toEqual(new Set([1]));
    expect(await stageBatch(s.ctx, C, 1, encodeRecipients(recipients(3, 3)), 3)).toBe('written');
    expect(job.state).toBe('waiting');
    expect(await runJob(job, s.processor)).toMatchObject({ kind: 'completed', value: { counts: { sent: 3 } } });
  });

  it('has nothing to send for a batch its campaign was cut short of when staging ended', async () => {
    const s = setup({ batches: [recipients(3), recipients(3, 3)], campaign: { unstaged: { count: 3, reason: 'cancelled' } }, written: 1 });
    expect(await runJob(s.job(1), s.processor)).toEqual({ kind: 'completed', value: { campaignId: C, batch: 1, counts: {} } });
    expect(s.gateway.calls).toHaveLength(0);
  });
});

describe('sendBatch: releasing the next batches', () => {
  it('adds the job of the batch SMS_RELEASE_AHEAD places on when it starts, and a re-run adds it once', async () => {
    const s = setup({ env: { SMS_RELEASE_AHEAD: '2' }, batches: [recipients(1), recipients(1, 1), recipients(1, 2)] });
    await runToEnd(s.job(0), s.processor);
    await runJob(s.job(0), s.processor);
    expect(s.queues.batches.ids()).toEqual([jobIds.batch(C, 2)]);
    // The last batches release nothing.
    await runToEnd(s.job(2), s.processor);
    expect(s.queues.batches.ids()).toEqual([jobIds.batch(C, 2)]);
  });

  it('releases nothing when the campaign record is no longer the one the run read (a Redis that lost it, a campaign made anew)', async () => {
    const s = setup({ env: { SMS_RELEASE_AHEAD: '2' }, batches: [recipients(1), recipients(1, 1), recipients(1, 2), recipients(1, 3)] });
    s.ctx.campaigns.createdAt = async () => undefined;
    await runToEnd(s.job(0), s.processor);
    s.ctx.campaigns.createdAt = async () => Date.now() + 1;
    await runToEnd(s.job(1), s.processor);
    expect(s.queues.batches.ids()).toEqual([]);
    expect(s.gateway.calls).toHaveLength(2);
  });
});

/** One gateway answer, drawn: every kind a call can meet. */
const answers: fc.Arbitrary<{ name: string; answer: (numbers: readonly string[]) => Answer }> = fc.oneof(
  fc.constant({ name: 'accept', answer: () => accept() }),
  fc.nat(20).map((k) => ({ name: `accept all but #${k}`, answer: (ns: readonly string[]) => accept(new Set([ns[k % ns.length]])) })),
  fc.constantFrom('-18', '-9', '-16', '-10').map((code) => ({ name: `status ${code}`, answer: () => status(code) })),
  fc.boolean().map((took) => ({ name: `cut off (gateway ${took ? 'took it' : 'did not'})`, answer: () => cutOff(took) })),
  fc.constant({ name: 'not sent', answer: () => notSent() }),
  fc.constant({ name: 'worker crash', answer: () => crash() }),
);

describe('sendBatch, for any sequence of gateway answers', () => {
  it('gives each recipient one outcome, has each number taken at most once, and records sent exactly the numbers taken', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.array(answers, { maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        async (size, script, attempts) => {
          const s = setup({ batches: [recipients(size)], attempts, env: { SMS_AUTO_SETTLE: 'false' } });
          s.gateway.answer(...script.map((a) => a.answer(s.numbers())));
          const job = s.job();
          for (let run = 0; run < 60 && job.state !== 'completed' && job.state !== 'failed'; run++) {
            const end = await runJob(job, s.processor);
            // An account-level stop paused the queue: an operator resumes it (as `smsq resume` does).
            if (end.kind === 'waiting') await resumeSending(s.ctx);
          }
          expect(['completed', 'failed']).toContain(job.state);
          const outcomes = s.outcomes();
          s.numbers().forEach((n, i) => {
            const o = outcomes[i];
            expect(o).toBeDefined();
            const taken = msgIdsOf(s.gateway, n);
            expect(taken.length).toBeLessThanOrEqual(1);
            // Sent means the gateway took it with this very msgId; taken and not read back is unknown, never failed.
            if (o?.[0] === 's') expect(taken).toEqual([o[1]]);
            if (taken.length === 1) expect(['s', 'u']).toContain(o?.[0]);
          });
          // Counted into the campaign once, every recipient in one counter.
          const rec = s.world.campaign(C);
          expect(rec?.batchesDone).toBe(1);
          expect(Object.values(rec?.counts ?? {}).reduce((a, b) => a + b, 0)).toBe(size);
        },
      ),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});
