import type { Producer, StoredReply } from '../../src/producer';
import type { Config } from '../../src/shared/config';
import { GatewayQueries } from '../../src/shared/gateway/queries';
import { createLogger } from '../../src/shared/logger';
import { metricsRegistry } from '../../src/shared/metrics';
import type { CampaignInfo, RecipientResult } from '../../src/shared/types';
import { pollReplies } from '../../src/worker/poll-replies';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { waitFor } from '../support/env';
import { BEARER, openApp } from '../support/server';

const REPLY_TOKEN = 'reply-token-0123456789abcdef';
// Each test starts the worker (and its reply poller) it needs; no poller runs between tests.
const stack = useCampaignStack('replies', {
  env: { REPLY_TOKEN, REPLY_POLL_INTERVAL_MS: '0', DLR_POLL_INTERVAL_MS: '0', SMS_BATCH_SIZE: '100', SMS_CONTACT_HISTORY: 'true' },
  app: 'listen',
});
let queries: GatewayQueries;
beforeAll(() => {
  queries = new GatewayQueries(stack.config.gateway, createLogger('silent'));
});
afterAll(() => queries.close());

function worker(replies: Partial<Config['replies']> = {}) {
  return stack.worker({ replies: { ...stack.config.replies, ...replies } });
}

let nextNumber = 447_700_100_000;
const numbers = (n: number) => Array.from({ length: n }, () => String(nextNumber++));

async function campaign(to: string[]): Promise<{ info: CampaignInfo; results: Map<string, RecipientResult> }> {
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'Autumn sale', recipients: to.map((number) => ({ number })) });
  const info = await waitFor(
    `campaign ${campaignId} to end`,
    async () => {
      const i = await stack.producer.getCampaign(campaignId);
      return i.state === 'completed' && i.counts.pending === 0 ? i : undefined;
    },
    60_000,
  );
  const results = new Map<string, RecipientResult>();
  for await (const r of stack.producer.campaignResults(campaignId)) results.set(r.number, r);
  return { info, results };
}

async function inject(replies: unknown): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${stack.sim.port}/__sim/replies`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(replies),
  });
  expect(res.status).toBe(200);
}

async function replies(filter: Parameters<Producer['listReplies']>[0] = {}): Promise<StoredReply[]> {
  const out: StoredReply[] = [];
  for await (const r of stack.producer.listReplies(filter)) out.push(r);
  return out;
}

const sentTo = (number: string) => [...stack.sim.ledger.entries()].filter((e) => e.number === number).length;

async function repliesMetric(source: string, result: string): Promise<number> {
  const m = (await metricsRegistry.getSingleMetric('smsq_replies_total')!.get()).values.find(
    (v) => v.labels.source === source && v.labels.result === result,
  );
  return m?.value ?? 0;
}

it('picks up STOP replies by polling recordMo, suppresses those numbers in the next campaign, and sends again after START', async () => {
  await worker({ pollIntervalMs: 300 });
  const [a, b, c] = numbers(3);
  const first = await campaign([a, b, c]);
  expect(first.info.counts).toMatchObject({ sent: 3, suppressed: 0 });

  // As recipients type them: with a +, in mixed case, with punctuation; and a reply that is no keyword.
  await inject([
    { number: `+${a}`, content: ' Stop! ' },
    { number: b, content: '退订' },
    { number: c, content: "don't stop, I love these" },
  ]);
  await waitFor(
    'the poller to list the STOPs on the suppression list',
    async () => {
      const [ea, eb] = await Promise.all([stack.server.ctx.suppressions.check(a), stack.server.ctx.suppressions.check(b)]);
      return ea && eb ? [ea, eb] : undefined;
    },
    15_000,
    50,
  );
  expect(await stack.server.ctx.suppressions.check(a)).toMatchObject({ reason: 'stop-reply', source: 'reply' });
  expect(await stack.server.ctx.suppressions.check(c)).toBeNull();

  const second = await campaign([a, b, c]);
  expect(second.info.counts).toMatchObject({ total: 3, sent: 1, suppressed: 2 });
  expect(second.results.get(a)).toMatchObject({ status: 'suppressed', reason: 'stop-reply' });
  expect(second.results.get(b)).toMatchObject({ status: 'suppressed' });
  expect(second.results.get(c)).toMatchObject({ status: 'sent' });
  expect([sentTo(a), sentTo(b), sentTo(c)]).toEqual([1, 1, 2]);

  await inject({ number: a, content: 'start' });
  await waitFor(
    'the START to take the number off the list',
    async () => ((await stack.server.ctx.suppressions.check(a)) === null ? true : undefined),
    15_000,
    50,
  );
  const third = await campaign([a]);
  expect(third.results.get(a)).toMatchObject({ status: 'sent' });
  expect(sentTo(a)).toBe(2);

  // Each reply is attributed to the last campaign that sent to its number: a's START came after the second
  // campaign suppressed it (nothing sent), so it is still the first campaign's.
  const all = await replies();
  const of = (number: string) => all.filter((r) => r.number === number).map((r) => [r.content, r.campaignId, r.keyword, r.listChange]);
  expect(of(a)).toEqual([
    [' Stop! ', first.info.campaignId, 'stop', 'added'],
    ['start', first.info.campaignId, 'start', 'removed'],
  ]);
  expect(of(b)).toEqual([['退订', first.info.campaignId, 'stop', 'added']]);
  expect(of(c)).toEqual([["don't stop, I love these", first.info.campaignId, undefined, undefined]]);
  expect(all.every((r) => r.source === 'poll')).toBe(true);
}, 120_000);

it('takes pushed replies at once, and stores a reply that the poller lists again only once', async () => {
  await worker();
  const [a, b] = numbers(2);
  const first = await campaign([a, b]);
  stack.sim.setFaults({ replyUrl: stack.replyUrl });
  const duplicatesBefore = await repliesMetric('poll', 'duplicate');
  await inject([
    { number: a, content: 'UNSUBSCRIBE' },
    { number: b, content: 'Who is this?' },
  ]);
  await waitFor('the pushed STOP on the list', async () => (await stack.server.ctx.suppressions.check(a)) ?? undefined, 10_000, 20);
  const pushed = await waitFor(
    'both pushed replies stored',
    async () => {
      const r = await replies({ campaignId: first.info.campaignId });
      return r.length === 2 ? r : undefined;
    },
    10_000,
    20,
  );
  expect(pushed.map((r) => [r.number, r.source, r.keyword ?? null])).toEqual([
    [a, 'push', 'stop'],
    [b, 'push', null],
  ]);

  // The poller lists the same two replies (and any earlier test's it read already): all are copies.
  const summary = await pollReplies(stack.server.ctx, queries);
  expect(summary).toMatchObject({ stored: 0, stop: 0, start: 0, duplicate: summary.listed });
  expect(summary.listed).toBeGreaterThanOrEqual(2);
  expect(await repliesMetric('poll', 'duplicate')).toBe(duplicatesBefore + summary.listed);
  expect(await replies({ campaignId: first.info.campaignId })).toHaveLength(2);

  const second = await campaign([a, b]);
  expect(second.results.get(a)).toMatchObject({ status: 'suppressed' });
  expect(second.results.get(b)).toMatchObject({ status: 'sent' });
  // b's next reply belongs to the second campaign, the last that sent to it.
  await inject({ number: b, content: 'thanks' });
  await waitFor(
    'the reply attributed to the second campaign',
    async () => ((await replies({ campaignId: second.info.campaignId })).length === 1 ? true : undefined),
    10_000,
    20,
  );
}, 90_000);

it('keeps what an operator listed: a STOP does not change the entry, a START does not remove it', async () => {
  const [a, stranger] = numbers(2);
  await stack.server.ctx.suppressions.add([{ number: a, reason: 'manual', source: 'support', at: Date.now() }]);
  const res = await stack.server.app.inject({
    method: 'POST',
    url: `/v1/replies/${REPLY_TOKEN}`,
    payload: [
      { number: a, content: 'STOP', receiveTime: '2026-11-01T10:00:00+08:00' },
      { number: a, content: 'START', receiveTime: '2026-11-01T10:01:00+08:00' },
      { number: stranger, content: 'hello' },
      { content: 'no number' },
    ],
  });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({
    received: 4,
    replies: [
      { number: a, result: 'stop', listChange: 'already-listed' },
      { number: a, result: 'start', listChange: 'kept' },
      { number: stranger, result: 'stored' },
    ],
    invalid: [{ index: 3, reason: 'no number' }],
  });
  expect(await stack.server.ctx.suppressions.check(a)).toMatchObject({ reason: 'manual', source: 'support' });
  // The same push again: copies, nothing changes.
  const again = await stack.server.app.inject({
    method: 'POST',
    url: `/v1/replies/${REPLY_TOKEN}`,
    payload: { number: a, content: 'START', receiveTime: '2026-11-01T10:01:00+08:00' },
  });
  expect(again.json()).toEqual({ received: 1, replies: [{ number: a, result: 'duplicate' }], invalid: [] });
});

it('refuses pushes without the right token, and bodies that are not replies', async () => {
  const wrong = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/replies/not-the-token-0123456789',
    payload: { number: '447700900001', content: 'STOP' },
  });
  expect(wrong.statusCode).toBe(401);
  const bad = await stack.server.app.inject({
    method: 'POST',
    url: `/v1/replies/${REPLY_TOKEN}`,
    headers: { 'content-type': 'text/plain' },
    payload: 'STOP',
  });
  expect(bad.statusCode).toBe(400);
  const off = await openApp({ ...stack.config, replies: { ...stack.config.replies, token: undefined } });
  try {
    const res = await off.app.inject({
      method: 'POST',
      url: `/v1/replies/${REPLY_TOKEN}`,
      payload: { number: '447700900001', content: 'STOP' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/REPLY_TOKEN/) } });
  } finally {
    await off.close();
  }
  const listed = await openApp({ ...stack.config, replies: { ...stack.config.replies, allowedIps: ['10.1.2.3'] } });
  try {
    expect((await listed.app.inject({ method: 'POST', url: `/v1/replies/${REPLY_TOKEN}`, payload: {} })).statusCode).toBe(403);
  } finally {
    await listed.close();
  }
});

it('exports replies filtered by campaign and by time received: library, GET /v1/replies and smsq replies', async () => {
  await worker();
  const [a, b] = numbers(2);
  const one = await campaign([a]);
  const two = await campaign([b]);
  const push = (number: string, content: string, receiveTime: string) =>
    stack.server.app.inject({ method: 'POST', url: `/v1/replies/${REPLY_TOKEN}`, payload: { number, content, receiveTime } });
  await push(a, 'old news', '2026-11-20T08:00:00Z');
  await push(a, 'Stop.', '2026-11-28T08:00:00Z');
  await push(b, 'yes, "please"', '2026-11-28T09:00:00Z');

  expect((await replies({ campaignId: one.info.campaignId })).map((r) => r.content)).toEqual(['old news', 'Stop.']);
  expect((await replies({ campaignId: one.info.campaignId, since: Date.parse('2026-11-25T00:00:00Z') })).map((r) => r.content)).toEqual([
    'Stop.',
  ]);

  const api = await stack.server.app.inject({
    method: 'GET',
    url: `/v1/replies?campaign=${two.info.campaignId}&since=2026-11-28`,
    headers: BEARER,
  });
  expect(api.statusCode).toBe(200);
  expect(api.headers['content-type']).toMatch(/application\/x-ndjson/);
  const lines = api.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as StoredReply);
  expect(lines).toEqual([
    expect.objectContaining({
      number: b,
      content: 'yes, "please"',
      campaignId: two.info.campaignId,
      receivedAt: '2026-11-28T09:00:00.000Z',
      source: 'push',
    }),
  ]);
  expect((await stack.server.app.inject({ method: 'GET', url: '/v1/replies?since=yesterday', headers: BEARER })).statusCode).toBe(400);
  expect((await stack.server.app.inject({ method: 'GET', url: '/v1/replies' })).statusCode).toBe(401);

  const csv = await runSmsq(['replies', '--campaign', one.info.campaignId, '--since', '2026-11-25T00:00:00Z'], stack.env);
  expect(csv.stderr).toBe('');
  expect(csv.code).toBe(0);
  const [header, ...rows] = csv.stdout.trim().split('\n');
  expect(header).toBe('receivedAt,number,content,campaignId,keyword,listChange,sendId,source,mcc,mnc,operator,pay,currency,id');
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatch(new RegExp(`^2026-11-28T08:00:00.000Z,${a},Stop\\.,${one.info.campaignId},stop,added,,push,`));
  const nd = await runSmsq(['replies', '--campaign', two.info.campaignId, '--format', 'ndjson'], stack.env);
  expect(
    nd.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as StoredReply).content),
  ).toEqual(['yes, "please"']);
  const bad = await runSmsq(['replies', '--since', 'last week'], stack.env);
  expect(bad.code).toBe(2);
}, 90_000);

describe('the reply poller', () => {
  it('reads from the lookback on its first run, then from where it stopped less the overlap; pages through 100 at a time', async () => {
    await deletePrefixState();
    const now = Date.now();
    const old = numbers(1)[0];
    const many = numbers(230);
    await inject({ number: old, content: 'before the lookback', receiveTime: now - 3 * 3_600_000 });
    await inject(many.map((number, i) => ({ number, content: `hello ${i}`, receiveTime: now - 3_600_000 + i })));
    const ctx = {
      ...stack.server.ctx,
      config: {
        ...stack.config,
        replies: { ...stack.config.replies, pollLookbackMs: 2 * 3_600_000, pollOverlapMs: 500, pollRatePerSecond: 1_000 },
      },
    };
    const first = await pollReplies(ctx, queries, () => now);
    expect(first).toMatchObject({ calls: 3, listed: 230, stored: 230, duplicate: 0, readUpTo: now });
    // The next run starts at where the first ended, less the overlap: only the new reply is listed.
    await inject({ number: many[0], content: 'later', receiveTime: now + 1_000 });
    const second = await pollReplies(ctx, queries, () => now + 2_000);
    expect(second).toMatchObject({ calls: 1, listed: 1, stored: 1 });
    expect((await replies()).filter((r) => r.content === 'before the lookback')).toEqual([]);
  });

  it('backs off on -15 and resumes the window where it failed', async () => {
    await deletePrefixState();
    const now = Date.now();
    await inject({ number: numbers(1)[0], content: 'during the back-off', receiveTime: now - 1_000 });
    stack.sim.setFaults({ queryStatus: '-15' });
    const failed = await pollReplies(stack.server.ctx, queries, () => now);
    expect(failed).toMatchObject({ calls: 1, error: 'recordMo status -15 (status forced by the simulator)' });
    stack.sim.setFaults({ queryStatus: null });
    expect(await pollReplies(stack.server.ctx, queries, () => now)).toMatchObject({ calls: 0, skipped: 'backoff' });
    await stack.server.ctx.redis.del(stack.server.ctx.keys.replyPollBackoff());
    expect(await pollReplies(stack.server.ctx, queries, () => now)).toMatchObject({ calls: 1, stored: 1 });
  });

  it('lets one worker poll at a time', async () => {
    await stack.server.ctx.redis.set(stack.server.ctx.keys.replyPollLock(), 'another worker', 'PX', 10_000);
    try {
      expect(await pollReplies(stack.server.ctx, queries)).toMatchObject({ calls: 0, skipped: 'locked' });
    } finally {
      await stack.server.ctx.redis.del(stack.server.ctx.keys.replyPollLock());
    }
  });
});

/** Forgets where the poller was and clears the simulator's replies, so that a test's windows start afresh. */
async function deletePrefixState(): Promise<void> {
  await stack.server.ctx.redis.del(
    stack.server.ctx.keys.replyPollState(),
    stack.server.ctx.keys.replyPollBackoff(),
    stack.server.ctx.keys.replyPollBackoffLevel(),
  );
  await fetch(`http://127.0.0.1:${stack.sim.port}/__sim/reset`, { method: 'POST' });
}
