/**
 * What the suppression check costs Redis while the list does not change (src/shared/opt-out/list-version.ts),
 * counted with INFO commandstats on a Redis of the file's own, so that no other test's commands are counted: an
 * empty list is not looked at, and a listed one is looked up once per recipient at staging, not again at each call.
 */
import { campaignEnded, resultsOf, useCampaignStack } from '../support/campaigns';
import { OwnRedis } from '../support/redis-server';

const redis = new OwnRedis(25_000 + Math.floor(Math.random() * 2_000));
const stack = useCampaignStack('supp-call-cost', { redis });

const RECIPIENTS = 3_000;
let next = 447_330_000_000;
const fresh = (n: number) => Array.from({ length: n }, () => String(next++));

/** Calls per command so far (`hget`, `hexists`…), Lua's own calls included. */
async function commandCalls(): Promise<Record<string, number>> {
  const info = await stack.ctx.redis.info('commandstats');
  return Object.fromEntries([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
}

/** Calls of each of these commands between two readings. */
const callsBetween = (before: Record<string, number>, after: Record<string, number>, commands: string[]) =>
  Object.fromEntries(commands.map((c) => [c, (after[c] ?? 0) - (before[c] ?? 0)]));

/** Sends a campaign of `numbers` held until now; the gateway's count of its messages and the results' statuses. */
async function send(campaignId: string, content: string) {
  await stack.worker();
  await stack.ctx.queues.batches.resume();
  const info = await campaignEnded(stack.producer, campaignId, 120_000);
  const sent = [...stack.sim.ledger.entries()].filter((e) => e.content === content).map((e) => e.number);
  return { info, sent };
}

it(`looks no number up, at staging or at a call's start, for a ${RECIPIENTS}-recipient campaign while the list is empty`, async () => {
  const before = await commandCalls();
  await stack.ctx.queues.batches.pause();
  const numbers = fresh(RECIPIENTS);
  const { campaignId } = await stack.producer.enqueueCampaign({ content: 'empty list', recipients: numbers.map((number) => ({ number })) });
  const { info, sent } = await send(campaignId, 'empty list');
  const calls = callsBetween(before, await commandCalls(), ['hget', 'hexists']);

  expect(new Set(sent)).toEqual(new Set(numbers));
  expect(info.counts).toMatchObject({ sent: RECIPIENTS, suppressed: 0 });
  // Before the list had a version: one HEXISTS per recipient at staging, one HGET per recipient at the call.
  expect(calls.hget).toBeLessThan(RECIPIENTS / 10);
  expect(calls.hexists).toBeLessThan(RECIPIENTS / 10);
}, 180_000);

it(`makes no lookup per recipient at a call's start for a ${RECIPIENTS}-recipient campaign while a listed 2,000 numbers do not change`, async () => {
  const numbers = fresh(RECIPIENTS);
  const listed = numbers.filter((_, i) => i % 100 === 7);
  await stack.producer.suppressions.add([...fresh(2_000 - listed.length), ...listed], { reason: 'manual' });
  await stack.ctx.queues.batches.pause();
  const { campaignId, suppressed } = await stack.producer.enqueueCampaign({
    content: 'listed, unchanged',
    recipients: numbers.map((number) => ({ number })),
  });
  expect(suppressed).toBe(listed.length);

  const before = await commandCalls();
  const { info, sent } = await send(campaignId, 'listed, unchanged');
  const calls = callsBetween(before, await commandCalls(), ['hget', 'hexists']);

  const onList = new Set(listed);
  expect(new Set(sent)).toEqual(new Set(numbers.filter((n) => !onList.has(n))));
  expect(sent).toHaveLength(RECIPIENTS - listed.length);
  expect(info.counts).toMatchObject({ sent: RECIPIENTS - listed.length, suppressed: listed.length });
  for (const r of await resultsOf(stack.producer, campaignId)) expect(r.status).toBe(onList.has(r.number) ? 'suppressed' : 'sent');
  // Only the numbers found listed at staging are looked up again (one HGET each), besides each call's own few.
  expect(calls.hget).toBeLessThan(RECIPIENTS / 10);
  expect(calls.hexists).toBeLessThan(RECIPIENTS / 10);
}, 180_000);
