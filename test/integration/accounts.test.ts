/**
 * Several gateway accounts (docs/accounts.md), each its own simulator over HTTP: routing by prefix and sender ID,
 * failover when an account runs out of balance, answers cut off on one account settled on that account, and the
 * ledgers: every recipient in exactly one account's ledger, and results naming that account.
 */
import { startSimulator, type Simulator } from '../../src/simulator';
import type { Ledger } from '../../src/simulator/ledger';
import type { RecipientResult } from '../../src/shared/types';
import { campaignEnded, campaignSettled, resultsOf, useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';

let simB: Simulator;
let simC: Simulator;
beforeAll(async () => {
  simB = await startSimulator();
  simC = await startSimulator();
});
afterAll(async () => {
  await simB.close();
  await simC.close();
});

/** Account a is the stack's simulator behind its cutting proxy; b and c are simulators of their own. */
const stack = useCampaignStack('accounts', {
  cuttingProxy: true,
  env: () => ({
    SMS_ACCOUNTS: JSON.stringify([
      { name: 'a', baseUrl: stack.proxy.baseUrl, priority: 0 },
      { name: 'b', baseUrl: simB.baseUrl, priority: 1 },
      { name: 'c', baseUrl: simC.baseUrl, senderIds: ['ALERTS'], priority: 2 },
    ]),
  }),
});

let nextNumber = 447_800_000_000;
function recipients(n: number, prefix?: string) {
  return Array.from({ length: n }, () => {
    const n = String(nextNumber++);
    const number = prefix ? prefix + n.slice(prefix.length) : n;
    return { number, orderId: `o-${number}` };
  });
}

/** How many messages the ledger holds for each number, of `only` when given (the simulators serve every test). */
function numbersIn(ledger: Ledger, only?: ReadonlySet<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of ledger.entries()) if (!only || only.has(e.number)) m.set(e.number, (m.get(e.number) ?? 0) + 1);
  return m;
}

afterEach(async () => {
  simB.setFaults({ balance: Infinity });
  await stack.ctx.accountStates.clear();
});

describe('routing', () => {
  it('sends each number through the accounts its prefix and the sender ID allow, and fails NO_ROUTE the rest', async () => {
    const stackRouted = await stack.openProducer({
      accounts: [
        { ...stack.config.accounts[0], prefixes: ['44'] },
        { ...stack.config.accounts[1], prefixes: ['49'] },
        { ...stack.config.accounts[2], prefixes: ['33'] },
      ],
    });
    await stack.worker({
      accounts: [
        { ...stack.config.accounts[0], prefixes: ['44'] },
        { ...stack.config.accounts[1], prefixes: ['49'] },
        { ...stack.config.accounts[2], prefixes: ['33'] },
      ],
    });
    const uk = recipients(30, '44');
    const de = recipients(20, '49');
    const fr = recipients(5, '33');
    const { campaignId } = await stackRouted.enqueueCampaign({ content: 'routed', recipients: [...uk, ...fr, ...de] });
    const info = await campaignEnded(stackRouted, campaignId);
    expect(info.counts).toMatchObject({ total: 55, sent: 50, failed: 5 });
    const a = numbersIn(stack.sim.ledger);
    const b = numbersIn(simB.ledger);
    expect(uk.every((r) => a.get(r.number) === 1 && !b.has(r.number))).toBe(true);
    expect(de.every((r) => b.get(r.number) === 1 && !a.has(r.number))).toBe(true);
    // c takes only the ALERTS sender ID: the French numbers have no account.
    expect(fr.some((r) => a.has(r.number) || b.has(r.number) || numbersIn(simC.ledger).has(r.number))).toBe(false);
    const rows = await resultsOf(stackRouted, campaignId);
    const byNumber = new Map(rows.map((r) => [r.number, r]));
    for (const r of uk) expect(byNumber.get(r.number)).toMatchObject({ status: 'sent', account: 'a' });
    for (const r of de) expect(byNumber.get(r.number)).toMatchObject({ status: 'sent', account: 'b' });
    for (const r of fr) expect(byNumber.get(r.number)).toMatchObject({ status: 'failed', code: 'NO_ROUTE' });
  });

  it('sends with a sender ID only its accounts take through them, and a pinned campaign only through its accounts', async () => {
    await stack.worker();
    const alerts = recipients(40);
    const { campaignId } = await stack.producer.enqueueCampaign({
      content: 'alert',
      senderId: 'ALERTS',
      recipients: alerts,
      accounts: ['c'],
    });
    expect((await campaignEnded(stack.producer, campaignId)).counts).toMatchObject({ sent: 40 });
    const c = numbersIn(simC.ledger);
    expect(alerts.every((r) => c.get(r.number) === 1)).toBe(true);
    expect((await resultsOf(stack.producer, campaignId)).every((r) => r.account === 'c')).toBe(true);
  });
});

describe('failover', () => {
  it("moves the rest to b when a runs out of balance, and settles a's cut-off calls on a: every number in one ledger", async () => {
    // a accepts 12,000 messages, then answers -10. Its first two calls are cut by the proxy before a sees them
    // (unknown; settled not-sent from a's records, then sent again on whichever account is up); the calls after them
    // a accepts and then drops the connection (unknown; settled sent from a's records), until two have been dropped.
    stack.sim.setFaults({ balance: 12_000, resetRate: 1 });
    stack.proxy.cutNext(2);
    const env = { SMS_AUTO_SETTLE: 'true', SMS_SETTLE_AFTER_MS: '500' };
    const config = stack.configWith(env);
    await stack.worker({ settling: config.settling });
    await stack.worker({ settling: config.settling });
    const list = recipients(30_000);
    const producer = await stack.openProducer({ batchSize: 500 });
    const { campaignId } = await producer.enqueueCampaign({ content: 'failover', recipients: list });
    await waitFor('two calls dropped by a', () => (stack.sim.stats().reset >= 2 ? true : undefined), 60_000, 5);
    stack.sim.setFaults({ resetRate: 0 });
    const info = await campaignSettled(stack.producer, campaignId, 240_000);
    expect(info.state).toBe('completed');
    expect(info.counts).toMatchObject({ total: 30_000, sent: 30_000, unknown: 0, failed: 0, notSent: 0 });
    const mine = new Set(list.map((r) => r.number));
    const a = numbersIn(stack.sim.ledger, mine);
    const b = numbersIn(simB.ledger, mine);
    const both = list.filter((r) => a.has(r.number) && b.has(r.number));
    const neither = list.filter((r) => !a.has(r.number) && !b.has(r.number));
    expect({ both: both.length, neither: neither.length }).toEqual({ both: 0, neither: 0 });
    expect([...a.values(), ...b.values()].every((n) => n === 1)).toBe(true);
    // a ran out part-way, some calls were cut: both accounts sent some.
    expect(a.size).toBeGreaterThan(0);
    expect(b.size).toBeGreaterThan(0);
    expect(stack.proxy.cut).toBe(2);
    expect(stack.sim.stats().reset).toBeGreaterThanOrEqual(2);
    // Each result's msgId is the one its account's ledger gave that number: the dropped calls' recipients were
    // settled from a's records onto a's msgIds, the cut ones sent once on whichever account took them later.
    const rows: RecipientResult[] = await resultsOf(stack.producer, campaignId);
    for (const r of rows) {
      const ledger = r.account === 'a' ? stack.sim.ledger : simB.ledger;
      expect(ledger.byMsgId(r.msgId!)).toMatchObject({ number: r.number, orderId: r.orderId });
    }
    expect(rows.filter((r) => r.account === 'a')).toHaveLength(a.size);
    expect(rows.filter((r) => r.account === 'b')).toHaveLength(b.size);
    const states = await stack.ctx.accountStates.read(true);
    expect(states.get('a')?.stop?.code).toBe('-10');
  }, 300_000);

  it('moves the numbers a consistent answer left out to the next account, and fails them only when none is left', async () => {
    await stack.worker();
    const list = recipients(300);
    const refused = [list[3].number, list[150].number];
    stack.sim.setFaults({ refuseNumbers: refused });
    simB.setFaults({ refuseNumbers: [refused[1]] });
    const { campaignId } = await stack.producer.enqueueCampaign({ content: 'left out', recipients: list });
    const info = await campaignEnded(stack.producer, campaignId);
    expect(info.counts).toMatchObject({ sent: 299, failed: 1 });
    const rows = new Map((await resultsOf(stack.producer, campaignId)).map((r) => [r.number, r]));
    expect(rows.get(refused[0])).toMatchObject({ status: 'sent', account: 'b' });
    expect(simB.ledger.countFor(refused[0])).toBe(1);
    // Left out by a and by b; c takes only ALERTS: no account is left.
    expect(rows.get(refused[1])).toMatchObject({ status: 'failed', code: 'NOT_ACCEPTED', account: 'b' });
    expect(stack.sim.ledger.countFor(refused[1]) + simB.ledger.countFor(refused[1])).toBe(0);
    simB.setFaults({ refuseNumbers: [] });
  });

  it('routes around an account whose breaker opened on -18, and back to it once a probe call succeeds', async () => {
    const breaker = { breakerFailures: 3, breakerOpenMs: 1_000 };
    await stack.worker({ ...breaker, attempts: 20 });
    stack.sim.setFaults({ transientRate: 1 });
    const first = recipients(2_000);
    const small = await stack.openProducer({ batchSize: 250 });
    const one = await small.enqueueCampaign({ content: 'breaker', recipients: first });
    expect((await campaignEnded(small, one.campaignId)).counts).toMatchObject({ sent: 2_000 });
    // Every call to a answered -18: none of them is in a's ledger; all went to b once the breaker opened.
    expect(first.filter((r) => stack.sim.ledger.countFor(r.number) > 0)).toHaveLength(0);
    expect(first.filter((r) => simB.ledger.countFor(r.number) === 1)).toHaveLength(2_000);
    expect((await resultsOf(small, one.campaignId)).every((r) => r.account === 'b')).toBe(true);
    expect((await stack.ctx.accountStates.read(true)).get('a')?.failures).toBeGreaterThanOrEqual(3);
    // a answers again: after the open time one probe call finds it, the breaker closes, and a takes traffic again.
    stack.sim.setFaults({ transientRate: 0 });
    const second = recipients(2_000);
    const two = await waitFor(
      "a probe to close a's breaker",
      async () => {
        const c = await small.enqueueCampaign({ content: 'probe', recipients: second.splice(0, 250) });
        await campaignEnded(small, c.campaignId);
        return (await stack.ctx.accountStates.read(true)).get('a')?.failures === 0 ? c : undefined;
      },
      30_000,
      200,
    );
    expect((await resultsOf(small, two.campaignId)).some((r) => r.account === 'a')).toBe(true);
  });
});
