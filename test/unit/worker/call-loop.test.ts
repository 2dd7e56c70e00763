/**
 * One run's calls for a batch (src/worker/call-loop.ts), against in-memory fakes: which recipients each call
 * holds, how the gateway's answers become outcomes, -9 splitting and -16 retries, and how a run ends when the
 * campaign or another run gets in its way. sendBatch's own tests (send-batch.test.ts) cover what a run's end
 * means for the job.
 */
import type { CallResult } from '../../../src/shared/gateway/client';
import { parseTemplate } from '../../../src/shared/text/template';
import type { CampaignRecord } from '../../../src/shared/campaign/record';
import type { Recipient, StoredOutcome } from '../../../src/shared/types';
import { CallLoop } from '../../../src/worker/call-loop';
import { accept, fakeContext, FakeGateway, notSent, recipients, refuseNumbers, status, type Answer } from '../../support/fakes';
import type * as LuaBacked from '../../support/fakes/lua-backed';

// A content refusal ends the campaign's staging too: staging runs Lua on ctx.redis itself, so its stand-in does it here.
jest.mock('../../../src/shared/campaign/staging', () => jest.requireActual<typeof LuaBacked>('../../support/fakes/lua-backed').staging);

const C = 'c1';

function setup(
  opts: { env?: Record<string, string>; batch?: Recipient[]; campaign?: Partial<CampaignRecord>; otherBatches?: number } = {},
) {
  const f = fakeContext(opts.env);
  const batch = opts.batch ?? recipients(4);
  f.world.addCampaign(C, [batch, ...Array.from({ length: opts.otherBatches ?? 0 }, (_, k) => recipients(2, 100 + 2 * k))], opts.campaign);
  const gateway = new FakeGateway();
  /** A run of batch 0 as sendBatch starts it: the campaign and the batch as it reads them now. */
  const loop = async (held?: ReadonlySet<number>) => {
    const campaign = await f.campaigns.read(C);
    const record = await f.batches.load(C, 0);
    if (!campaign || !record) throw new Error('no campaign or batch to run');
    return new CallLoop(
      f.ctx,
      gateway.asGateways(f.ctx.config.accounts),
      { campaignId: C, batch: 0 },
      'run-1',
      campaign,
      record,
      f.ctx.log,
      held,
    );
  };
  const outcomes = (k = 0): Array<StoredOutcome | undefined> => {
    const b = f.world.batch(C, k);
    return b ? b.recipients.map((_, i) => b.outcomes.get(i)) : [];
  };
  return { ...f, gateway, loop, outcomes, numbers: batch.map((r) => r.number) };
}

const httpError =
  (httpStatus: number): Answer =>
  () => ({ kind: 'http-error', httpStatus, body: '' });

describe('CallLoop: who is called', () => {
  it('calls every pending recipient in one call and records each accepted one sent with its msgId', async () => {
    const s = setup();
    const loop = await s.loop();
    expect(await loop.run()).toEqual({ kind: 'settled' });
    expect(s.gateway.calls).toEqual([
      { path: '/sendSms', numbers: s.numbers, orderIds: ['o-0', 'o-1', 'o-2', 'o-3'], texts: Array(4).fill('Your code is 1234') },
    ]);
    expect(s.outcomes()).toEqual(s.gateway.sent.map((m) => ['s', m.msgId]));
    // What the run recorded is what the batch holds.
    expect(loop.settled).toEqual(s.world.batch(C, 0)?.outcomes);
    expect(s.world.batch(C, 0)?.inFlight).toBeNull();
  });

  it('calls only the recipients without an outcome, and none of those held for their send window', async () => {
    const s = setup();
    s.world.batch(C, 0)?.outcomes.set(0, ['f', '-9', 'number abnormal']);
    expect(await (await s.loop(new Set([3]))).run()).toEqual({ kind: 'settled' });
    expect(s.gateway.calls.map((c) => c.numbers)).toEqual([[s.numbers[1], s.numbers[2]]]);
    expect(s.outcomes().map((o) => o?.[0])).toEqual(['f', 's', 's', undefined]);
  });

  it("keeps suppressed numbers out of the call, settled suppressed with the list entry's reason", async () => {
    const s = setup();
    s.world.suppressed.set(s.numbers[1], 'replied STOP');
    await (await s.loop()).run();
    expect(s.gateway.calls.map((c) => c.numbers)).toEqual([[s.numbers[0], s.numbers[2], s.numbers[3]]]);
    expect(s.outcomes()[1]).toEqual(['x', 'replied STOP']);
    expect(s.logs.some((l) => l.msg === 'recipients kept out of a call' && l.suppressed === 1)).toBe(true);
  });

  it('makes no call when every recipient is suppressed', async () => {
    const s = setup({ batch: recipients(2) });
    for (const n of recipients(2)) s.world.suppressed.set(n.number, 'replied STOP');
    expect(await (await s.loop()).run()).toEqual({ kind: 'settled' });
    expect(s.gateway.calls).toHaveLength(0);
    expect(s.outcomes().map((o) => o?.[0])).toEqual(['x', 'x']);
  });

  it("sends a personalised campaign's differing texts in one sendSms/batch call, each recipient its own text", async () => {
    const parsed = parseTemplate('Hi {{name}}');
    if (!parsed.ok) throw new Error(parsed.reason);
    const batch = recipients(3).map((r, i) => ({ ...r, values: [['Ana', 'Bo', 'Ana'][i]] }));
    const s = setup({ batch, campaign: { content: 'Hi {{name}}', template: parsed.template } });
    await (await s.loop()).run();
    expect(s.gateway.calls).toHaveLength(1);
    const [call] = s.gateway.calls;
    expect(call.path).toBe('/sendSms/batch');
    expect(Object.fromEntries(call.numbers.map((n, j) => [n, call.texts[j]]))).toEqual({
      [s.numbers[0]]: 'Hi Ana',
      [s.numbers[1]]: 'Hi Bo',
      [s.numbers[2]]: 'Hi Ana',
    });
    expect(s.outcomes().every((o) => o?.[0] === 's')).toBe(true);
  });

  it('sends a personalised call whose texts are all the same through plain sendSms', async () => {
    const parsed = parseTemplate('Hi {{name}}');
    if (!parsed.ok) throw new Error(parsed.reason);
    const s = setup({
      batch: recipients(2).map((r) => ({ ...r, values: ['Ana'] })),
      campaign: { content: 'Hi {{name}}', template: parsed.template },
    });
    await (await s.loop()).run();
    expect(s.gateway.calls.map((c) => [c.path, c.texts])).toEqual([['/sendSms', ['Hi Ana', 'Hi Ana']]]);
  });
});

describe('CallLoop: answers become outcomes', () => {
  it('splits a call refused with -9 until each refused number stands alone, and fails only those', async () => {
    const s = setup({ batch: recipients(6) });
    const bad = new Set([recipients(6)[1].number, recipients(6)[4].number]);
    const gateway = new FakeGateway(refuseNumbers(bad));
    const campaign = await s.campaigns.read(C);
    const record = await s.batches.load(C, 0);
    if (!campaign || !record) throw new Error('no campaign or batch');
    expect(
      await new CallLoop(s.ctx, gateway.asGateways(), { campaignId: C, batch: 0 }, 'run-1', campaign, record, s.ctx.log).run(),
    ).toEqual({
      kind: 'settled',
    });
    expect(s.outcomes().map((o) => o?.[0])).toEqual(['s', 'f', 's', 's', 'f', 's']);
    for (const r of recipients(6)) expect(gateway.taken(r.number)).toBe(bad.has(r.number) ? 0 : 1);
  });

  it('stops splitting at SMS_SPLIT_MAX_CALLS and fails the rest of a refused call with -9, saying why', async () => {
    const s = setup({ env: { SMS_SPLIT_MAX_CALLS: '2' }, batch: recipients(8) });
    s.gateway.answer(status('-9'), status('-9'), status('-9'));
    expect(await (await s.loop()).run()).toEqual({ kind: 'settled' });
    expect(s.gateway.calls.map((c) => c.numbers.length)).toEqual([8, 4, 4]);
    expect(
      s.outcomes().every((o) => o?.[0] === 'f' && o[1] === '-9' && o[2].endsWith('not isolated further: SMS_SPLIT_MAX_CALLS (2) reached')),
    ).toBe(true);
  });

  it('retries -16 at once with a fresh timestamp, and after two retries stops the account to have its clock checked', async () => {
    const s = setup();
    s.gateway.answer(status('-16'), accept());
    expect(await (await s.loop()).run()).toEqual({ kind: 'settled' });
    expect(s.gateway.calls).toHaveLength(2);

    const t = setup();
    t.gateway.answer(status('-16'), status('-16'), status('-16'));
    expect(await (await t.loop()).run()).toMatchObject({
      kind: 'account-stop',
      code: '-16',
      operatorAction: expect.stringContaining('NTP') as unknown,
    });
    expect(t.gateway.calls).toHaveLength(3);
    expect(t.outcomes()).toEqual([undefined, undefined, undefined, undefined]);
  });

  it.each<[string, Answer, string]>([
    ['-18', status('-18'), '-18'],
    ['a refused connection', notSent(), 'ECONNREFUSED'],
    ['HTTP 503', httpError(503), 'HTTP_503'],
  ])('ends the run transient on %s, recording nothing, for the job to retry', async (_, answer, code) => {
    const s = setup();
    s.gateway.answer(answer);
    expect(await (await s.loop()).run()).toMatchObject({ kind: 'transient', code });
    expect(s.outcomes()).toEqual([undefined, undefined, undefined, undefined]);
    expect(s.world.batch(C, 0)?.inFlight).toBeNull();
  });

  it('fails every recipient of the call with a permanent status, and ends the run permanent', async () => {
    const s = setup();
    s.gateway.answer(httpError(400));
    expect(await (await s.loop()).run()).toMatchObject({ kind: 'permanent', code: 'HTTP_400' });
    expect(s.outcomes().every((o) => o?.[0] === 'f' && o[1] === 'HTTP_400')).toBe(true);
  });

  it('leaves unknown, never failed, the recipients an answer that disagrees with the call does not name', async () => {
    const s = setup();
    // Status 0 naming two of the four, yet counting four successes: nobody can tell what became of the other two.
    s.gateway.answer((call, gateway): CallResult => ({
      kind: 'reply',
      reply: {
        status: '0',
        reason: '',
        success: 4,
        fail: 0,
        malformed: 0,
        malformedMsgIds: [],
        unreadableCounts: false,
        accepted: call.numbers.slice(0, 2).map((number, j) => ({ msgId: gateway.issue(number), number, orderId: call.orderIds[j] })),
      },
    }));
    await (await s.loop()).run();
    expect(s.outcomes().map((o) => o?.slice(0, 2))).toEqual([
      ['s', 'm1'],
      ['s', 'm2'],
      ['u', 'REPLY_DISAGREES'],
      ['u', 'REPLY_DISAGREES'],
    ]);
  });

  it('fails the campaign on a content refusal, and settles its idle batches failed without calling them', async () => {
    const s = setup({
      env: { WEBHOOK_URL: 'https://hooks.example.com/smsq', WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}` },
      otherBatches: 2,
    });
    s.gateway.answer(status('-5'));
    expect(await (await s.loop()).run()).toEqual({ kind: 'settled' });
    expect(s.world.campaign(C)).toMatchObject({ state: 'failed', failure: { code: '-5', reason: 'content is too long' } });
    expect(s.outcomes(0).every((o) => o?.[0] === 'f' && o[1] === '-5')).toBe(true);
    expect(s.outcomes(2)).toEqual([
      ['f', '-5', 'campaign failed: content is too long'],
      ['f', '-5', 'campaign failed: content is too long'],
    ]);
    expect(s.gateway.calls).toHaveLength(1);
    expect(s.webhooks.types().filter((t) => t === 'campaign.failed')).toHaveLength(1);
  });
});

describe('CallLoop: how a run ends when something gets in its way', () => {
  it('settles the pending recipients cancelled, without a call, when the campaign was cancelled', async () => {
    const s = setup({ campaign: { state: 'cancelled' } });
    expect(await (await s.loop()).run()).toEqual({ kind: 'settled' });
    expect(s.outcomes()).toEqual([['c'], ['c'], ['c'], ['c']]);
    expect(s.gateway.calls).toHaveLength(0);
  });

  it('stops between calls when the campaign is cancelled meanwhile: the next call is refused at its start', async () => {
    const s = setup();
    s.gateway.answer(async (call, gateway) => {
      const rec = s.world.campaign(C);
      if (rec) rec.state = 'cancelled';
      return status('-9')(call, gateway);
    });
    expect(await (await s.loop()).run()).toEqual({ kind: 'settled' });
    expect(s.gateway.calls).toHaveLength(1);
    expect(s.outcomes()).toEqual([['c'], ['c'], ['c'], ['c']]);
  });

  it("fails the pending recipients with the campaign's failure when it failed before this run", async () => {
    const s = setup({ campaign: { state: 'failed', failure: { code: '-3', reason: 'content contains sensitive words' } } });
    await (await s.loop()).run();
    expect(s.outcomes()).toEqual(Array(4).fill(['f', '-3', 'campaign failed: content contains sensitive words']));
    expect(s.gateway.calls).toHaveLength(0);
  });

  it("settles the pending recipients expired, without a call, past the campaign's expireAt by the context's clock", async () => {
    const s = setup({ campaign: { expireAt: Date.UTC(2026, 0, 1) } });
    s.clock.at = Date.UTC(2026, 0, 1);
    await (await s.loop()).run();
    expect(s.outcomes()).toEqual([['e'], ['e'], ['e'], ['e']]);
    expect(s.gateway.calls).toHaveLength(0);
  });

  it('ends not-durable, calling nobody, when Redis does not acknowledge the in-flight record', async () => {
    const s = setup();
    s.batches.refuseNextBegin = 'not-durable';
    expect(await (await s.loop()).run()).toEqual({ kind: 'not-durable' });
    expect(s.gateway.calls).toHaveLength(0);
    expect(s.world.batch(C, 0)?.inFlight).toBeNull();
  });

  it('ends lost, recording nothing, when another run took its call over while it was out', async () => {
    const s = setup();
    s.gateway.answer((call, gateway) => {
      const b = s.world.batch(C, 0);
      if (b?.inFlight) b.inFlight = { ...b.inFlight, t: 'run-2' };
      return accept()(call, gateway);
    });
    expect(await (await s.loop()).run()).toEqual({ kind: 'lost' });
    expect(s.outcomes()).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('no longer claims to know the stored outcomes once a write of its own met outcomes another run stored', async () => {
    const s = setup();
    s.gateway.answer((call, gateway) => {
      s.world.batch(C, 0)?.outcomes.set(0, ['c']);
      return accept()(call, gateway);
    });
    const loop = await s.loop();
    await loop.run();
    expect(loop.settled).toBeNull();
    // First writer wins: the outcome another run stored stands.
    expect(s.outcomes()[0]).toEqual(['c']);
  });
});

describe('CallLoop: gateway accounts', () => {
  const TWO = {
    SMS_ACCOUNTS: JSON.stringify([
      { name: 'a', baseUrl: 'http://127.0.0.1:9/a' },
      { name: 'b', baseUrl: 'http://127.0.0.1:9/b', priority: 1 },
    ]),
  };

  it("moves a call's recipients to the next account when the first answers an account-level stop, and records the stop", async () => {
    const s = setup({ env: TWO });
    s.gateway.answer(status('-10'), accept());
    expect(await (await s.loop()).run()).toEqual({ kind: 'settled' });
    expect(s.gateway.calls).toHaveLength(2);
    expect(s.outcomes()).toEqual(s.gateway.sent.map((m) => ['s', m.msgId, null, 'b']));
    expect(s.accountStates.cached('a').stop).toMatchObject({ code: '-10' });
  });

  // a takes the recipients' numbers (44…), b none of them: a is their only account.
  const ONLY_A = {
    SMS_ACCOUNTS: JSON.stringify([
      { name: 'a', baseUrl: 'http://127.0.0.1:9/a', prefixes: ['44'] },
      { name: 'b', baseUrl: 'http://127.0.0.1:9/b', prefixes: ['49'] },
    ]),
  };

  it("comes back later, calling nobody and leaving everyone pending, while another worker holds its only account's probe", async () => {
    const s = setup({ env: ONLY_A });
    const past = Date.now() - 1_000;
    s.accountStates.states.set('a', { stop: null, failures: 5, openUntil: past, probeUntil: Date.now() + 60_000 });
    expect(await (await s.loop()).run()).toEqual({ kind: 'rate-wait', ms: 1_000, why: 'probe' });
    expect(s.gateway.calls).toHaveLength(0);
    expect(s.outcomes()).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('sends through the probe when it may take it, and an answer closes the breaker', async () => {
    const s = setup({ env: ONLY_A });
    s.accountStates.states.set('a', { stop: null, failures: 5, openUntil: Date.now() - 1_000, probeUntil: 0 });
    expect(await (await s.loop()).run()).toEqual({ kind: 'settled' });
    expect(s.gateway.calls).toHaveLength(1);
    expect(s.accountStates.cached('a')).toMatchObject({ failures: 0, openUntil: 0 });
  });
});
