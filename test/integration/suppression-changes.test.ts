/**
 * The suppression list changing between a batch's staging and its calls (src/shared/opt-out/list-version.ts): a call
 * looks up only the recipients listed at staging and the numbers the list's change log shows changed since, or every
 * one when the log cannot tell. Whatever the path, what reaches the gateway is what the list says at the call.
 */
import type { RawRow } from '../../src/producer/read-recipients';
import { SUPPRESSION_LOG_BOUND } from '../../src/shared/opt-out/list-version';
import type { RecipientResult } from '../../src/shared/types';
import { campaignEnded, resultsOf, useCampaignStack } from '../support/campaigns';
import { keysMatching } from '../support/env';

const stack = useCampaignStack('supp-changes');

let next = 447_320_000_000;
/** Numbers no other test of the file uses. */
const fresh = (n: number) => Array.from({ length: n }, () => String(next++));

const sentTo = (content: string) => [...stack.sim.ledger.entries()].filter((e) => e.content === content).map((e) => e.number);

/** Rows a file would give: read twice, staged batch by batch while the campaign sends (STAGE_BATCH). */
const fileRows = (numbers: string[]) =>
  async function* (): AsyncGenerator<RawRow> {
    for (const [i, number] of numbers.entries()) yield { row: i + 1, input: { number } };
  };

/** Queues a campaign while batch jobs are held, so that the test changes the list between staging and sending. */
async function stagedHeld(content: string, numbers: string[], from: 'memory' | 'file' = 'memory'): Promise<string> {
  await stack.ctx.queues.batches.pause();
  const { campaignId } = await stack.producer.enqueueCampaign(
    from === 'memory' ? { content, recipients: numbers.map((number) => ({ number })) } : { content, rows: fileRows(numbers) },
  );
  return campaignId;
}

/** Sends what was held and waits for the campaign's end; its results by number, and what the gateway got. */
async function send(campaignId: string, content: string): Promise<{ byNumber: Map<string, RecipientResult>; sent: string[] }> {
  await stack.worker();
  await stack.ctx.queues.batches.resume();
  await campaignEnded(stack.producer, campaignId, 120_000);
  const rows = await resultsOf(stack.producer, campaignId);
  return { byNumber: new Map(rows.map((r) => [r.number, r])), sent: sentTo(content) };
}

/** The list's version a batch was staged at (sv), and the log's floor now. */
async function stagedAt(campaignId: string, batch: number): Promise<{ sv: number; floor: number }> {
  const sv = await stack.ctx.redis.hget(stack.ctx.keys.batch(campaignId, batch), 'sv');
  const floor = await stack.ctx.redis.get(stack.ctx.keys.suppressionFloor());
  return { sv: Number(sv ?? NaN), floor: Number(floor ?? 0) };
}

const reply = (number: string, content: string) =>
  stack.ctx.replies.record([{ number, content, sendId: 'smsq', receiveTime: Date.now(), mcc: '', mnc: '', operator: '' }], 'push');

it.each(['memory', 'file'] as const)(
  'never sends to numbers listed after their batch was staged (%s), and sends to numbers taken off since',
  async (from) => {
    const content = `changed after staging, ${from}`;
    const numbers = fresh(2_500);
    // Listed at staging: a STOP reply (taken off by a START), an operator's entry (removed), one that stays.
    const [byStop, byOperator, stays] = [numbers[10], numbers[1_200], numbers[2_400]];
    await stack.producer.suppressions.add([byOperator, stays], { reason: 'manual' });
    expect((await reply(byStop, 'STOP'))[0].listChange).toBe('added');
    const campaignId = await stagedHeld(content, numbers, from);
    expect((await stagedAt(campaignId, 0)).sv).toBeGreaterThan(0);

    // After staging: an operator adds two, a STOP reply a third; the start and the removal take two off.
    const [added, alsoAdded, stopped] = [numbers[0], numbers[1_999], numbers[2_499]];
    await stack.producer.suppressions.add([added, alsoAdded], { reason: 'complaint' });
    expect((await reply(stopped, 'STOP'))[0].listChange).toBe('added');
    expect((await reply(byStop, 'START'))[0].listChange).toBe('removed');
    expect(await stack.producer.suppressions.remove([byOperator])).toBe(1);

    const { byNumber, sent } = await send(campaignId, content);
    const listed = new Set([stays, added, alsoAdded, stopped]);
    expect(sent.filter((n) => listed.has(n))).toEqual([]);
    expect(new Set(sent)).toEqual(new Set(numbers.filter((n) => !listed.has(n))));
    expect(sent).toHaveLength(numbers.length - listed.size);
    expect(byNumber.get(added)).toMatchObject({ status: 'suppressed', reason: 'complaint' });
    expect(byNumber.get(stopped)).toMatchObject({ status: 'suppressed', reason: 'stop-reply' });
    expect(byNumber.get(stays)).toMatchObject({ status: 'suppressed', reason: 'manual' });
    expect(byNumber.get(byStop)?.status).toBe('sent');
    expect(byNumber.get(byOperator)?.status).toBe('sent');
  },
  180_000,
);

it('looks every number up when an import bigger than the change log came after staging', async () => {
  const content = 'import after staging';
  const numbers = fresh(2_000);
  await stack.producer.suppressions.add([numbers[5]], { reason: 'manual' });
  const campaignId = await stagedHeld(content, numbers);

  // One write of more numbers than the log keeps logs none of them: three of the campaign's among them.
  const imported = [numbers[0], numbers[999], numbers[1_500], ...fresh(SUPPRESSION_LOG_BOUND)];
  expect(await stack.producer.suppressions.add(imported, { reason: 'import' })).toBe(imported.length);
  const { sv, floor } = await stagedAt(campaignId, 1);
  expect(floor).toBeGreaterThan(sv);

  const { byNumber, sent } = await send(campaignId, content);
  const listed = new Set([numbers[5], numbers[0], numbers[999], numbers[1_500]]);
  expect(sent.filter((n) => listed.has(n))).toEqual([]);
  expect(sent).toHaveLength(numbers.length - listed.size);
  for (const n of listed) expect(byNumber.get(n)?.status).toBe('suppressed');
}, 180_000);

it('never sends to a number whose change since staging was dropped from the full change log', async () => {
  const content = 'log trimmed after staging';
  const numbers = fresh(1_000);
  await stack.producer.suppressions.add([numbers[1]], { reason: 'manual' });
  const campaignId = await stagedHeld(content, numbers);

  // One of the campaign's numbers, then enough small writes that the log drops it.
  await stack.producer.suppressions.add([numbers[500]], { reason: 'complaint' });
  const half = Math.ceil(SUPPRESSION_LOG_BOUND / 2);
  for (let i = 0; i < 2; i++) await stack.producer.suppressions.add(fresh(half), { reason: 'import' });
  expect(await stack.ctx.redis.zscore(stack.ctx.keys.suppressionChanges(), numbers[500])).toBeNull();
  const { sv, floor } = await stagedAt(campaignId, 0);
  expect(floor).toBeGreaterThan(sv);

  const { byNumber, sent } = await send(campaignId, content);
  expect(sent).not.toContain(numbers[1]);
  expect(sent).not.toContain(numbers[500]);
  expect(sent).toHaveLength(numbers.length - 2);
  expect(byNumber.get(numbers[500])).toMatchObject({ status: 'suppressed', reason: 'complaint' });
}, 180_000);

it("never sends to a number listed after the list's keys were deleted by hand and written again", async () => {
  const content = 'list deleted after staging';
  const numbers = fresh(1_000);
  await stack.producer.suppressions.add([numbers[2]], { reason: 'manual' });
  const campaignId = await stagedHeld(content, numbers);

  // Its version, change log and count go with the buckets: the next write must not reuse a version from before.
  for (const key of await keysMatching(stack.ctx.redis, `${stack.prefix}:supp:*`)) await stack.ctx.redis.del(key);
  await stack.producer.suppressions.add([numbers[700]], { reason: 'complaint' });

  const { byNumber, sent } = await send(campaignId, content);
  expect(sent).not.toContain(numbers[700]);
  expect(sent).toHaveLength(numbers.length - 1);
  expect(byNumber.get(numbers[700])).toMatchObject({ status: 'suppressed', reason: 'complaint' });
  expect(byNumber.get(numbers[2])?.status).toBe('sent');
}, 180_000);
