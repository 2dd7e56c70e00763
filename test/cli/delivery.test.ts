/**
 * The "done when", through the CLI as a user runs it: a campaign with lost answers and messy reports,
 * then `smsq status` against the simulator's ledger, then `smsq settle --resend`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatMicros, toMicros } from '../../src/shared/delivery/money';
import type { CampaignInfo } from '../../src/shared/types';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { waitFor } from '../support/env';
import { ServerProcess } from '../support/server-process';

const DLR_TOKEN = 'cli-dlr-token-0123456789';
const stack = useCampaignStack('cli-delivery', {
  producer: false,
  cuttingProxy: true,
  dir: true,
  env: {
    LOG_LEVEL: 'info',
    DLR_TOKEN,
    API_TOKEN: 'cli-api-token-0123456789',
    SERVER_PORT: '0',
    SMS_BATCH_SIZE: '200',
    SMS_SETTLE_AFTER_MS: '0',
    DLR_POLL_INTERVAL_MS: '500',
    DLR_POLL_AFTER_MS: '3000',
    DLR_POLL_RATE_PER_SECOND: '20',
  },
});

async function status(id: string): Promise<CampaignInfo> {
  const res = await runSmsq(['status', id, '--json'], stack.env);
  expect(res.code).toBe(0);
  return JSON.parse(res.stdout) as CampaignInfo;
}

it('shows the delivered, undelivered and cost figures of the ledger, and settle --resend leaves nobody unsettled or sent twice', async () => {
  const server = stack.process(new ServerProcess(stack.env));
  const url = await server.url();
  const worker = stack.workerProcess();
  await worker.started();

  // Reports duplicated, late, out of order, some never pushed (the poller finds those); some answers lost.
  stack.sim.setFaults({
    reportUrl: `${url}/v1/delivery-reports/${DLR_TOKEN}`,
    reportDelayMs: 0,
    reportDelayJitterMs: 2000,
    reportDuplicateRate: 0.2,
    reportLossRate: 0.1,
    undeliveredRate: 0.15,
    reportBatchSize: 10,
    hangRate: 0.15,
  });
  stack.proxy.setCutRate(0.15);
  // At least two calls never reach the gateway, so that settling surely has not-sent recipients to resend.
  stack.proxy.cutNext(2);
  const numbers = Array.from({ length: 4_000 }, (_, i) => String(447_733_000_000 + i));
  await writeFile(path.join(stack.dir, 'list.csv'), `number\n${numbers.join('\n')}\n`);
  const enqueue = await runSmsq(
    ['enqueue', path.join(stack.dir, 'list.csv'), '--content', 'Flash sale ends tonight', '--campaign-id', 'flash'],
    stack.env,
  );
  expect(enqueue.code).toBe(0);
  expect((await runSmsq(['wait', 'flash', '--timeout', '100'], stack.env)).code).toBe(0);
  stack.sim.setFaults({ hangRate: 0 });
  stack.proxy.setCutRate(0);
  const first = await status('flash');
  expect(first.counts.unknown).toBeGreaterThan(0);
  const d = first.delivery;
  expect(d.deliveryRate).toBe(d.delivered + d.undelivered > 0 ? d.delivered / (d.delivered + d.undelivered) : null);

  const settle = await runSmsq(['settle', 'flash', '--resend'], stack.env);
  expect(settle.stdout).toMatch(/unknown → \d+ sent, [1-9]\d* not-sent, 0 still unknown.*; [1-9]\d* queued again/);
  expect(settle.code).toBe(0);
  expect((await runSmsq(['wait', 'flash', '--timeout', '100'], stack.env)).code).toBe(0);
  // Its old name still runs it, and says which to use instead.
  const old = await runSmsq(['reconcile', 'flash', '--resend', '--json'], stack.env);
  expect(old.code).toBe(0);
  expect(JSON.parse(old.stdout)).toMatchObject({ campaignId: 'flash', unknown: 0, resent: 0 });
  expect(old.stderr).toMatch(/"reconcile" is deprecated: use smsq settle/);

  const info = await waitFor(
    'every delivery report',
    async () => {
      const i = await status('flash');
      return i.delivery.pending === 0 ? i : undefined;
    },
    60_000,
  );
  expect(info.counts).toMatchObject({ total: 4_000, sent: 4_000, unknown: 0, notSent: 0, pending: 0 });
  for (const n of numbers) expect(stack.sim.ledger.countFor(n)).toBe(1);

  const truth = [...stack.sim.ledger.entries()].filter((e) => e.number.startsWith('4477330'));
  expect(truth).toHaveLength(4_000);
  const delivered = truth.filter((e) => e.deliveryStatus === 0).length;
  expect(info.delivery).toMatchObject({ delivered, undelivered: 4_000 - delivered, expired: 0 });
  // Reports the gateway never pushed were polled and carry no price: the cost covers the pushed ones exactly.
  const pushed = truth.filter((e) => e.pushes > 0);
  expect(info.delivery.priced).toBe(pushed.length);
  expect(info.delivery.cost).toEqual({ USD: formatMicros(pushed.reduce((s, e) => s + toMicros(e.pay)!, 0)) });

  const text = await runSmsq(['status', 'flash'], stack.env);
  expect(text.stdout).toContain(`delivered ${delivered}  undelivered ${4_000 - delivered}`);
  expect(text.stdout).toContain(`cost ${info.delivery.cost.USD} USD`);
  // Of the messages with a final report, not of those sent: every report is in, so no "pending" beside it.
  expect(info.delivery.deliveryRate).toBe(delivered / 4_000);
  expect(text.stdout).toContain(`delivery rate ${((delivered / 4_000) * 100).toFixed(1)}%  cost`);
}, 240_000);

it('checks the balance before queueing: smsq balance, a warning by default, a refusal with --require-balance', async () => {
  // The first test's reports told the price (0.01 per message); the account can now pay for 100 more.
  stack.sim.setFaults({ balance: 100 });
  const balance = await runSmsq(['balance'], stack.env);
  expect(balance.code).toBe(0);
  expect(balance.stdout).toMatch(/balance 1\.0000 .*available 1\.00\n.*0\.01 USD per message .*about 100 messages/);

  const numbers = Array.from({ length: 300 }, (_, i) => String(447_744_000_000 + i));
  await writeFile(path.join(stack.dir, 'big.csv'), `${numbers.join('\n')}\n`);
  const refused = await runSmsq(
    ['enqueue', path.join(stack.dir, 'big.csv'), '--content', 'Too many', '--campaign-id', 'too-many', '--require-balance'],
    stack.env,
  );
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/300 messages cost about 3\.00 USD .*enough for 100; nothing was queued.*\[BALANCE_INSUFFICIENT\]/);
  expect((await runSmsq(['status', 'too-many'], stack.env)).stderr).toContain('CAMPAIGN_NOT_FOUND');

  const warned = await runSmsq(['enqueue', path.join(stack.dir, 'big.csv'), '--content', 'Too many', '--campaign-id', 'warned'], stack.env);
  expect(warned.code).toBe(0);
  expect(warned.stderr).toMatch(/warning: the campaign's 300 messages cost about 3\.00 USD/);
  expect((await runSmsq(['cancel', 'warned'], stack.env)).code).toBe(0);
  stack.sim.setFaults({ balance: Infinity });
}, 60_000);
