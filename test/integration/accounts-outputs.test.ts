/**
 * What an operator reads of a campaign sent through two gateway accounts (one simulator serving both, over HTTP):
 * the results CSV's account column, the recipients.settled webhook events and the gateway-call metrics each name
 * the account that really took the recipient — the one whose ledger holds it — and nothing for a recipient no
 * account may send to.
 */
import { parse } from 'csv-parse/sync';
import { CSV_HEADER } from '../../src/shared/batch/results-csv';
import { metricsRegistry } from '../../src/shared/metrics';
import { campaignEnded, useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { parseMetrics, total, type Sample } from '../support/prometheus';
import { BEARER } from '../support/server';
import { newSecret, WebhookReceiver } from '../support/webhook-receiver';

const secret = newSecret();
const receiver = new WebhookReceiver(secret);
beforeAll(() => receiver.up());
afterAll(() => receiver.down());

const stack = useCampaignStack('accounts-outputs', {
  app: 'inject',
  workers: 1,
  simulator: { accounts: [{ name: 'uk' }, { name: 'de' }] },
  env: () => ({
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: secret,
    SMS_BATCH_SIZE: '100',
    SMS_ACCOUNTS: JSON.stringify([
      { name: 'uk', baseUrl: stack.sim.account('uk').baseUrl, prefixes: ['44'] },
      { name: 'de', baseUrl: stack.sim.account('de').baseUrl, prefixes: ['49'] },
    ]),
  }),
});

const numbers = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(7_700_000_000 + i)}`);
const scrape = async (): Promise<Sample[]> => parseMetrics(await metricsRegistry.metrics());

it('names in results, webhook events and metrics the account whose gateway took each recipient', async () => {
  const uk = numbers('44', 150);
  const de = numbers('49', 100);
  const fr = numbers('33', 5);
  const before = await scrape();
  const list = [...uk, ...de, ...fr].map((number, i) => ({ number, orderId: `o-${i}` }));
  const queued = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: BEARER,
    payload: { campaignId: 'two-accounts', content: 'Hello from two accounts', recipients: list },
  });
  expect(queued.statusCode).toBe(201);
  const info = await campaignEnded(stack.producer, 'two-accounts');
  expect(info.counts).toMatchObject({ total: 255, sent: 250, failed: 5 });

  // The ledgers say where each number went; every other output must agree with them.
  const ledgerOf = (account: string) => new Map([...stack.sim.account(account).ledger.entries()].map((e) => [e.number, e.msgId]));
  const sentBy = { uk: ledgerOf('uk'), de: ledgerOf('de') };
  expect(sentBy.uk.size + sentBy.de.size).toBe(250);
  const expectedAccount = (number: string) => (sentBy.uk.has(number) ? 'uk' : sentBy.de.has(number) ? 'de' : '');
  expect(uk.every((n) => expectedAccount(n) === 'uk') && de.every((n) => expectedAccount(n) === 'de')).toBe(true);

  const csv = await stack.server.app.inject({
    method: 'GET',
    url: '/v1/campaigns/two-accounts/results',
    headers: { ...BEARER, accept: 'text/csv' },
  });
  const [header, ...rows]: string[][] = parse(csv.body);
  expect(header.join(',')).toBe(CSV_HEADER);
  expect(rows).toHaveLength(255);
  const column = (name: string) => header.indexOf(name);
  for (const row of rows) {
    const number = row[column('number')];
    expect(row[column('account')]).toBe(expectedAccount(number));
    if (row[column('status')] === 'sent') expect(row[column('msgId')]).toBe(sentBy[row[column('account')] as 'uk' | 'de'].get(number));
    else expect([row[column('status')], row[column('code')]]).toEqual(['failed', 'NO_ROUTE']);
  }

  // Three batches of 100 (the last of 55): one recipients.settled each, and campaign.started and .completed.
  const events = await waitFor('every event', async () => {
    const mine = receiver.events().filter((e) => e.data.campaignId === 'two-accounts');
    return mine.length === 5 ? mine : undefined;
  });
  const settled = events
    .filter((e) => e.type === 'recipients.settled')
    .flatMap((e) => e.data.recipients as Array<{ number: string; status: string; account?: string }>);
  expect(settled).toHaveLength(255);
  for (const r of settled) expect(r.account ?? '').toBe(expectedAccount(r.number));

  const after = await scrape();
  const calls = (account: string) =>
    total(after, 'smsq_gateway_calls_total', { account }) - total(before, 'smsq_gateway_calls_total', { account });
  // Batches mix both countries: every batch with UK numbers called uk once, and likewise de.
  expect(calls('uk')).toBeGreaterThanOrEqual(2);
  expect(calls('de')).toBeGreaterThanOrEqual(1);
  expect(calls('uk') + calls('de')).toBe(total(after, 'smsq_gateway_calls_total') - total(before, 'smsq_gateway_calls_total'));
  expect(calls('uk')).toBe(stack.sim.account('uk').stats().calls);
  expect(calls('de')).toBe(stack.sim.account('de').stats().calls);
  // Each account's share of the recipients is its ledger's.
  const sent = (account: string) =>
    total(after, 'smsq_account_recipients_total', { account, outcome: 'sent' }) -
    total(before, 'smsq_account_recipients_total', { account, outcome: 'sent' });
  expect({ uk: sent('uk'), de: sent('de') }).toEqual({ uk: sentBy.uk.size, de: sentBy.de.size });
});
