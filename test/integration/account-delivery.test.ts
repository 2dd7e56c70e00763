/**
 * Delivery reports, settling and reply polling with two gateway accounts, a and b, against Redis and the simulator
 * over HTTP, whose two named accounts each count their msgIds from the same start: the two can give the same msgId,
 * as two real accounts may. Outcomes are written as a call's end writes them (END_CALL, with the msgIds indexed as
 * the worker computes them), each naming its account.
 */
import { AccountGateways } from '../../src/shared/accounts/gateways';
import { withAccount } from '../../src/shared/accounts/outcome-account';
import { createLogger } from '../../src/shared/logger';
import type { RecipientResult, StoredOutcome } from '../../src/shared/types';
import { DEFAULT_FAULTS, type SimulatorAccount } from '../../src/simulator';
import { pollReplies } from '../../src/worker/poll-replies';
import { pollReports } from '../../src/worker/poll-reports';
import { beginCall, stageOneBatch } from '../support/batch-calls';
import { resultsOf, useCampaignStack } from '../support/campaigns';
import { sendSms } from '../support/simulator-client';

const DLR_TOKEN = 'dlr-token-accounts-0123456789';
const REPLY_TOKEN = 'reply-token-accounts-0123456789';
const log = createLogger('silent');

const stack = useCampaignStack('account-delivery', {
  simulator: { accounts: [{ name: 'a' }, { name: 'b' }] },
  app: 'inject',
  env: () => ({
    DLR_TOKEN,
    REPLY_TOKEN,
    SMS_ACCOUNTS: JSON.stringify([
      { name: 'a', baseUrl: stack.sim.account('a').baseUrl },
      { name: 'b', baseUrl: stack.sim.account('b').baseUrl },
    ]),
    // Polled at once; calls whose answer was lost may be called not-sent at once.
    DLR_POLL_AFTER_MS: '0',
    DLR_POLL_RATE_PER_SECOND: '100',
    SMS_SETTLE_AFTER_MS: '0',
  }),
});

let gateways: AccountGateways;
beforeAll(() => {
  gateways = new AccountGateways(stack.config, log);
});
afterAll(() => gateways.close());
afterEach(() => {
  for (const via of ['a', 'b'] as const) account(via).setFaults({ ...DEFAULT_FAULTS });
});

let n = 0;
let nextNumber = 447_700_100_000;
type Via = 'a' | 'b';
const account = (via: Via): SimulatorAccount => stack.sim.account(via);
interface Staged {
  number: string;
  orderId: string;
}

/** A running campaign of one batch of `count` recipients, as staging leaves it; its id and recipients. */
async function campaign(count: number): Promise<{ id: string; recipients: Staged[] }> {
  const id = `acc${++n}`;
  const recipients = Array.from({ length: count }, (_, i) => ({ number: String(nextNumber++), orderId: `o${i}` }));
  await stageOneBatch(stack.ctx, id, recipients);
  return { id, recipients };
}

/**
 * One call to `via` for `outcomes`' recipients, ended as CallLoop ends it: outcomes stored, sent msgIds indexed, the
 * batch counted in when `last`.
 */
async function call(c: { id: string; recipients: Staged[] }, via: Via, outcomes: Map<number, StoredOutcome>, last = false) {
  const { ctx } = stack;
  const named = new Map([...outcomes].map(([i, o]) => [i, withAccount(o, via)]));
  await beginCall(ctx, c.id, `t-${via}`, c.recipients, [...named.keys()]);
  const index = await ctx.delivery.sentIndexing(c.id, 0, c.recipients, named, Date.now());
  const end = await ctx.batches.endCall(c.id, 0, `t-${via}`, named, {
    index,
    ...(last ? { finish: { recipients: c.recipients.length, autoSettle: true } } : {}),
  });
  if (!end.ok) throw new Error(`END_CALL refused the call: ${end.reason}`);
  if (end.reportsHeld) await ctx.delivery.applyHeldFor(c.id, 0, c.recipients, named, Date.now());
}

function pushReports(path: string, body: unknown) {
  return stack.server.app.inject({ method: 'POST', url: `/v1/delivery-reports/${path}`, payload: JSON.stringify(body) });
}

async function results(id: string): Promise<RecipientResult[]> {
  return resultsOf(stack.producer, id);
}

/** Sends one message through account a or b of the simulator; its msgId. */
async function sendThrough(via: Via, number: string): Promise<string> {
  const answer = await sendSms(stack.sim, { numbers: [number], path: `/accounts/${via}/sms/sendSms` });
  return answer.array![0].msgId;
}

/**
 * Sends one message to `numberA` through a and one to `numberB` through b until both get the same msgId; the two
 * accounts count msgIds apart (yyMMddHHmmss, then a counter), so the counter that is behind is moved on first.
 */
async function sameMsgId(numberA: string, numberB: string): Promise<string> {
  for (let tries = 0; tries < 5; tries++) {
    const [a, b] = await Promise.all([sendThrough('a', numberA), sendThrough('b', numberB)]);
    if (a === b) return a;
    const behind = Number(a.slice(12)) - Number(b.slice(12));
    for (let i = 0; i < Math.abs(behind); i++) await sendThrough(behind < 0 ? 'a' : 'b', String(nextNumber++));
  }
  throw new Error('the two simulators never gave the same msgId');
}

describe('delivery reports pushed to each account', () => {
  it("finds a report in its own account's index: two accounts' same msgId reaches each one's recipient", async () => {
    const c = await campaign(2);
    const msgId = `90${n}00001`;
    await call(c, 'a', new Map([[0, ['s', msgId]]]));
    await call(c, 'b', new Map([[1, ['s', msgId]]]), true);
    // No number in the reports: only the account tells the two recipients apart.
    const a = await pushReports(`${DLR_TOKEN}/accounts/a`, { msgid: msgId, status: 0, timestamp: Date.now() - 2_000 });
    const b = await pushReports(`${DLR_TOKEN}/accounts/b`, { msgid: msgId, status: 2, reason: 'absent', timestamp: Date.now() - 1_000 });
    expect([a.statusCode, a.json()]).toEqual([200, { received: 1, matched: 1, duplicate: 0, held: 0, unmatched: 0, invalid: [] }]);
    expect(b.json()).toMatchObject({ matched: 1 });
    // The default account's address knows no such msgId: held, not applied to either.
    expect((await pushReports(DLR_TOKEN, { msgid: msgId, status: 0 })).json()).toMatchObject({ matched: 0, held: 1 });
    const [ra, rb] = await results(c.id);
    expect(ra).toMatchObject({ status: 'sent', msgId, account: 'a', delivery: 'delivered' });
    expect(rb).toMatchObject({ status: 'sent', msgId, account: 'b', delivery: 'undelivered', deliveryCode: '2' });
  });

  it("holds a report that comes before its msgId is indexed for its own account only, and applies it to that account's recipient", async () => {
    const c = await campaign(2);
    const msgId = `91${n}00001`;
    expect((await pushReports(`${DLR_TOKEN}/accounts/b`, { msgid: msgId, status: 0 })).json()).toMatchObject({ held: 1 });
    // Account a's call indexes the same msgId first: b's held report is not a's.
    await call(c, 'a', new Map([[0, ['s', msgId]]]));
    expect((await results(c.id))[0]).toMatchObject({ account: 'a', delivery: 'pending' });
    await call(c, 'b', new Map([[1, ['s', msgId]]]), true);
    const [ra, rb] = await results(c.id);
    expect(ra).toMatchObject({ account: 'a', delivery: 'pending' });
    expect(rb).toMatchObject({ account: 'b', delivery: 'delivered' });
  });

  it('answers 404 for an account not configured, and 401 before that without the token', async () => {
    const unknown = await pushReports(`${DLR_TOKEN}/accounts/zz`, { msgid: '1', status: 0 });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'NOT_FOUND']);
    const wrong = await pushReports('wrong-token/accounts/zz', { msgid: '1', status: 0 });
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([401, 'UNAUTHORIZED']);
    const reply = await stack.server.app.inject({ method: 'POST', url: `/v1/replies/${REPLY_TOKEN}/accounts/zz`, payload: '{}' });
    expect(reply.statusCode).toBe(404);
  });
});

it("polls each account's getReport for its own msgIds: the same msgId of two accounts gets each one's report", async () => {
  // Every report due at once, none pushed: a's messages delivered, b's not.
  account('a').setFaults({ undeliveredRate: 0, reportDelayMs: 0, reportDelayJitterMs: 0 });
  account('b').setFaults({ undeliveredRate: 1, reportDelayMs: 0, reportDelayJitterMs: 0 });
  const c = await campaign(2);
  const [na, nb] = c.recipients.map((r) => r.number);
  const msgId = await sameMsgId(na, nb);
  await call(c, 'a', new Map([[0, ['s', msgId]]]));
  await call(c, 'b', new Map([[1, ['s', msgId]]]), true);
  // The poller's list names each call's account.
  const listed = await stack.ctx.redis.zrange(stack.ctx.keys.awaitingReports(), 0, -1);
  expect(listed.filter((m) => m.includes(`\t${c.id}\t`)).map((m) => m.split('\t')[3])).toEqual(expect.arrayContaining(['a', 'b']));
  const asked = () => [account('a'), account('b')].map((s) => s.stats().queries.getReport?.['0'] ?? 0);
  const before = asked();
  const summary = await pollReports(stack.ctx, gateways);
  expect(summary.skipped).toBeUndefined();
  expect(summary.matched).toBeGreaterThanOrEqual(2);
  const [ra, rb] = await results(c.id);
  expect(ra).toMatchObject({ number: na, msgId, account: 'a', delivery: 'delivered' });
  expect(rb).toMatchObject({ number: nb, msgId, account: 'b', delivery: 'undelivered' });
  // Each account was asked (its ledger alone knows its message).
  asked().forEach((after, i) => expect(after).toBeGreaterThan(before[i]));
});

describe('settling per account', () => {
  const unknown = (): StoredOutcome => ['u', 'ECONNRESET', 'no complete answer after the request was sent', Date.now() - 1_000];

  it("settles account a's unknowns from a's records only, never from b's, and b's from b's", async () => {
    const c = await campaign(4);
    const [a1, a2, b1] = c.recipients.map((r) => r.number);
    const a1Id = await sendThrough('a', a1);
    // b sent to a2 too (another campaign, say): a's a2 must not become sent with b's msgId.
    await sendThrough('b', a2);
    const b1Id = await sendThrough('b', b1);
    await call(
      c,
      'a',
      new Map([
        [0, unknown()],
        [1, unknown()],
      ]),
    );
    await call(
      c,
      'b',
      new Map([
        [2, unknown()],
        [3, unknown()],
      ]),
      true,
    );
    const r = await stack.producer.settleCampaign(c.id);
    expect(r).toMatchObject({ unknown: 4, sent: 2, notSent: 2, tooRecent: 0 });
    expect(r.accounts).toEqual({
      a: { unknown: 2, sent: 1, notSent: 1, tooRecent: 0, recordsRead: expect.any(Number) as unknown },
      b: { unknown: 2, sent: 1, notSent: 1, tooRecent: 0, recordsRead: expect.any(Number) as unknown },
    });
    const rs = await results(c.id);
    expect(rs.map((x) => [x.status, x.msgId, x.account])).toEqual([
      ['sent', a1Id, 'a'],
      ['not-sent', undefined, 'a'],
      ['sent', b1Id, 'b'],
      ['not-sent', undefined, 'b'],
    ]);
    // Each found msgId is indexed in its own account's index only.
    const { index } = stack.ctx.delivery;
    expect((await index.lookup([a1Id], 'a'))[0]).toMatchObject({ campaignId: c.id, index: 0 });
    expect((await index.lookup([b1Id], 'b'))[0]).toMatchObject({ campaignId: c.id, index: 2 });
    expect(await index.lookup([a1Id], 'default')).toEqual([null]);
  });

  it("settles b's unknowns when a's records cannot be read, and leaves a's unknown naming a", async () => {
    const c = await campaign(2);
    const [a1, b1] = c.recipients.map((r) => r.number);
    const a1Id = await sendThrough('a', a1);
    const b1Id = await sendThrough('b', b1);
    await call(c, 'a', new Map([[0, unknown()]]));
    await call(c, 'b', new Map([[1, unknown()]]), true);
    // -4: a failure that is not transient, so settling gives up on a at once.
    account('a').setFaults({ queryStatus: '-4' });
    const r = await stack.producer.settleCampaign(c.id);
    expect(r).toMatchObject({ unknown: 2, sent: 1, notSent: 0 });
    expect(r.accounts?.a.error).toMatch(/getSentRcd failed: status -4/);
    expect(r.accounts?.b).toEqual({ unknown: 1, sent: 1, notSent: 0, tooRecent: 0, recordsRead: expect.any(Number) as unknown });
    expect((await results(c.id)).map((x) => [x.status, x.msgId, x.account])).toEqual([
      ['unknown', undefined, 'a'],
      ['sent', b1Id, 'b'],
    ]);
    expect((await stack.producer.getCampaign(c.id)).counts).toMatchObject({ unknown: 1, sent: 1 });

    // Once a's records can be read, a second settling settles it.
    account('a').setFaults({ queryStatus: null });
    expect(await stack.producer.settleCampaign(c.id)).toMatchObject({ unknown: 1, sent: 1 });
    expect((await results(c.id))[0]).toMatchObject({ status: 'sent', msgId: a1Id, account: 'a' });
  });

  it('changes nothing when no account can be read, and says which', async () => {
    const c = await campaign(2);
    await call(c, 'a', new Map([[0, unknown()]]));
    await call(c, 'b', new Map([[1, unknown()]]), true);
    account('a').setFaults({ queryStatus: '-4' });
    account('b').setFaults({ queryStatus: '-4' });
    await expect(stack.producer.settleCampaign(c.id)).rejects.toMatchObject({
      code: 'GATEWAY_QUERY_FAILED',
      message: expect.stringMatching(/account a: .*; account b: /) as unknown,
    });
    expect((await results(c.id)).map((x) => x.status)).toEqual(['unknown', 'unknown']);
  });
});

it("recovers a campaign from every account's records: a recovered recipient names the account that had sent it", async () => {
  const numbers = [0, 1, 2].map(() => String(nextNumber++));
  const ida = await sendThrough('a', numbers[0]);
  const idb = await sendThrough('b', numbers[1]);
  // No worker runs: the campaign is only queued, with what the gateway's records show already sent.
  const { campaignId, recovered } = await stack.producer.enqueueCampaign({
    content: 'Recovered',
    recipients: numbers.map((number) => ({ number })),
    recoverSince: new Date(Date.now() - 60_000),
  });
  expect(recovered).toBe(2);
  expect((await results(campaignId)).map((r) => [r.status, r.msgId, r.account])).toEqual([
    ['sent', ida, 'a'],
    ['sent', idb, 'b'],
    ['pending', undefined, undefined],
  ]);
});

it('polls every account for replies, each from its own place', async () => {
  const { ctx } = stack;
  const now = Date.now();
  const [ra, rb] = [String(nextNumber++), String(nextNumber++)];
  const inject = async (via: Via, number: string) => {
    const res = await fetch(`http://127.0.0.1:${stack.sim.port}/__sim/accounts/${via}/replies`, {
      method: 'POST',
      body: JSON.stringify({ number, content: `hello from ${number}`, receiveTime: now - 1_000 }),
    });
    expect(res.status).toBe(200);
  };
  await inject('a', ra);
  await inject('b', rb);
  const summary = await pollReplies(ctx, gateways);
  expect(summary).toMatchObject({ calls: 2, listed: 2, stored: 2 });
  const stored: string[] = [];
  for await (const r of ctx.replies.list({})) stored.push(r.number);
  expect(stored).toEqual(expect.arrayContaining([ra, rb]));
  // Each account's place is its own; the default account's is not written.
  for (const account of ['a', 'b']) expect(await ctx.redis.get(ctx.keys.replyPollState(account))).toMatch(/readUpTo/);
  expect(await ctx.redis.exists(ctx.keys.replyPollState())).toBe(0);
  // A reply pushed to an account's address is stored as one pushed to the default one.
  const pushed = await stack.server.app.inject({
    method: 'POST',
    url: `/v1/replies/${REPLY_TOKEN}/accounts/b`,
    payload: JSON.stringify({ mobile: String(nextNumber++), content: 'pushed', receiveTime: now }),
  });
  expect(pushed.json()).toMatchObject({ received: 1, replies: [{ result: 'stored' }] });
});
