/**
 * Several gateway accounts (docs/accounts.md), each its own simulator over HTTP: routing by prefix and sender ID,
 * failover when an account runs out of balance, answers cut off on one account settled on that account, and the
 * ledgers: every recipient in exactly one account's ledger, and results naming that account.
 */
import { startSimulator, type Simulator } from '../../src/simulator';
import type { Ledger } from '../../src/simulator/ledger';
import type { RecipientResult } from '../../src/shared/types';
import { campaignEnded, campaignSettled, resultsOf, useCampaignStack } from '../support/campaigns';

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

function numbersIn(ledger: Ledger): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of ledger.entries()) m.set(e.number, (m.get(e.number) ?? 0) + 1);
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
    // a accepts 12,000 messages, then answers -10. About one call in 50 it accepts and then drops the connection
    // (unknown, settled sent from a's records), and about one in 40 the proxy cuts before a sees it (unknown,
    // settled not-sent from a's records, then sent again, on whichever account is up).
    stack.sim.setFaults({ balance: 12_000, resetRate: 0.02 });
    stack.proxy.setCutRate(0.025);
    const env = { SMS_AUTO_SETTLE: 'true', SMS_SETTLE_AFTER_MS: '500' };
    const config = stack.configWith(env);
    await stack.worker({ settling: config.settling });
    await stack.worker({ settling: config.settling });
    const list = recipients(30_000);
    const { campaignId } = await stack.producer.enqueueCampaign({ content: 'failover', recipients: list });
    const info = await campaignSettled(stack.producer, campaignId, 240_000);
    expect(info.state).toBe('completed');
    expect(info.counts).toMatchObject({ total: 30_000, sent: 30_000, unknown: 0, failed: 0, notSent: 0 });
    const a = numbersIn(stack.sim.ledger);
    const b = numbersIn(simB.ledger);
    const both = list.filter((r) => a.has(r.number) && b.has(r.number));
    const neither = list.filter((r) => !a.has(r.number) && !b.has(r.number));
    expect({ both: both.length, neither: neither.length }).toEqual({ both: 0, neither: 0 });
    expect([...a.values(), ...b.values()].every((n) => n === 1)).toBe(true);
    // a ran out part-way, some calls were cut: both accounts sent some.
    expect(a.size).toBeGreaterThan(0);
    expect(b.size).toBeGreaterThan(0);
    expect(stack.proxy.cut).toBeGreaterThan(0);
    expect(stack.sim.stats().reset).toBeGreaterThan(0);
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
});
