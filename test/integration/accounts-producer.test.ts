/**
 * The producer with several gateway accounts, against real Redis and two simulators over HTTP: pinned accounts
 * checked at the edge (nothing queued for an unknown one) and read back; recipients no account may send to named
 * by preview and enqueue, queued, and ended NO_ROUTE by a worker — exactly those; the balance check per account.
 */
import { Readable } from 'node:stream';
import { readRecipients } from '../../src/producer/read-recipients';
import { UnreadableRecordError } from '../../src/shared/campaign/record';
import { SmsqError } from '../../src/shared/errors';
import { startSimulator, type Simulator } from '../../src/simulator';
import { campaignEnded, resultsOf, useCampaignStack } from '../support/campaigns';
import { keysMatching } from '../support/env';
import { BEARER, errorCode } from '../support/server';

let simB: Simulator;
beforeAll(async () => {
  simB = await startSimulator();
});
afterAll(async () => {
  await simB.close();
});

/** Account a (the stack's simulator) takes +44 only, b (a simulator of its own) +49 only: +33 has no route. */
const stack = useCampaignStack('accounts-producer', {
  app: 'inject',
  env: () => ({
    SMS_ACCOUNTS: JSON.stringify([
      { name: 'a', baseUrl: stack.sim.baseUrl, prefixes: ['44'] },
      { name: 'b', baseUrl: simB.baseUrl, prefixes: ['49'] },
    ]),
  }),
});

afterEach(() => {
  simB.setFaults({ balance: Infinity });
});

/** Nothing of the campaign in Redis: no record, no batch, no list entry. */
async function nothingQueued(campaignId: string): Promise<void> {
  expect(await keysMatching(stack.ctx.redis, `${stack.prefix}:campaign:${campaignId}*`)).toEqual([]);
  expect(await stack.ctx.campaigns.show(campaignId)).toBeNull();
}

/** A CSV with a header; line 1 is the header, so a recipient's row is its line in the file (and its orderId `<tag>-<line>`). */
function csv(numbers: string[], tag = 'o'): () => ReturnType<typeof readRecipients> {
  const text = `number,orderId\n${numbers.map((n, i) => `${n},${tag}-${i + 2}`).join('\n')}\n`;
  return () => readRecipients(Readable.from([Buffer.from(text)]), 'csv');
}

const UK = ['447700900001', '447700900002', '447700900003', '447700900004'];
const DE = ['4915100000001', '4915100000002'];
const FR = ['33612000001', '33612000002', '33612000003'];
/** Lines 2..10 of the file: uk, fr, de, uk, fr, uk, de, fr, uk. */
const MIXED = [UK[0], FR[0], DE[0], UK[1], FR[1], UK[2], DE[1], FR[2], UK[3]];
const FR_LINES = [3, 6, 9];

describe('pinned accounts', () => {
  it('refuses an account that is not configured with UNKNOWN_ACCOUNT, naming it and the configured, and queues nothing', async () => {
    for (const rows of [csv(MIXED), csv(MIXED)()]) {
      const err = await stack.producer
        .enqueueCampaign({ campaignId: 'pin-unknown', content: 'Hi', rows, accounts: ['a', 'zz'] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SmsqError);
      expect(err).toMatchObject({ code: 'UNKNOWN_ACCOUNT', details: { unknown: ['zz'], configured: ['a', 'b'] } });
      expect((err as Error).message).toContain('"zz" is not a configured gateway account; nothing was queued');
      await nothingQueued('pin-unknown');
    }
    const bad = await stack.producer
      .enqueueCampaign({ campaignId: 'pin-bad', content: 'Hi', recipients: [{ number: UK[0] }], accounts: ['A b'] })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: { accounts: expect.stringContaining('"A b"') } } });
    await nothingQueued('pin-bad');
  });

  it('refuses it through the API too, in the JSON body and in the query string of a streamed list', async () => {
    const json = await stack.server.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: BEARER,
      payload: { campaignId: 'api-pin-unknown', content: 'Hi', accounts: ['zz'], recipients: [{ number: UK[0] }] },
    });
    expect(json.statusCode).toBe(422);
    expect(errorCode(json)).toBe('UNKNOWN_ACCOUNT');
    const streamed = await stack.server.app.inject({
      method: 'POST',
      url: '/v1/campaigns?campaignId=api-pin-unknown&content=Hi&accounts=a,zz',
      headers: { ...BEARER, 'content-type': 'text/csv' },
      payload: `${UK[0]}\n`,
    });
    expect(streamed.statusCode).toBe(422);
    expect(streamed.json()).toMatchObject({ error: { code: 'UNKNOWN_ACCOUNT', details: { unknown: ['zz'] } } });
    await nothingQueued('api-pin-unknown');
  });

  it('stores the pinned accounts once each and reads them back: the record, the campaign, the API', async () => {
    await stack.producer.enqueueCampaign({
      campaignId: 'pinned',
      content: 'Hi',
      recipients: [{ number: UK[0] }],
      accounts: ['b', 'a', 'b'],
    });
    expect((await stack.ctx.campaigns.read('pinned'))?.accounts).toEqual(['b', 'a']);
    expect((await stack.producer.getCampaign('pinned')).accounts).toEqual(['b', 'a']);
    const streamed = await stack.server.app.inject({
      method: 'POST',
      url: '/v1/campaigns?campaignId=pinned-api&content=Hi&accounts=a',
      headers: { ...BEARER, 'content-type': 'text/csv' },
      payload: `${UK[0]}\n`,
    });
    expect(streamed.statusCode).toBe(201);
    const shown = await stack.server.app.inject({ method: 'GET', url: '/v1/campaigns/pinned-api', headers: BEARER });
    expect(shown.json()).toMatchObject({ campaignId: 'pinned-api', accounts: ['a'] });
    // A campaign that pins none shows none.
    await stack.producer.enqueueCampaign({ campaignId: 'unpinned', content: 'Hi', recipients: [{ number: UK[0] }], accounts: [] });
    expect((await stack.producer.getCampaign('unpinned')).accounts).toBeUndefined();
  });

  it('does not send a campaign whose pinned accounts cannot be read back, and shows it damaged', async () => {
    await stack.producer.enqueueCampaign({ campaignId: 'pin-damaged', content: 'Hi', recipients: [{ number: UK[0] }], accounts: ['a'] });
    await stack.ctx.redis.hset(stack.ctx.keys.campaign('pin-damaged'), 'accounts', 'a,NOT AN ACCOUNT');
    await expect(stack.ctx.campaigns.read('pin-damaged')).rejects.toBeInstanceOf(UnreadableRecordError);
    expect(await stack.producer.getCampaign('pin-damaged')).toMatchObject({ damaged: ['accounts'] });
    await stack.producer.cancelCampaign('pin-damaged');
  });
});

describe('recipients with no route', () => {
  it('previews them with their lines and numbers, and how the others split over the accounts', async () => {
    const p = await stack.producer.previewCampaign({ content: 'Hi', rows: csv(MIXED) });
    expect(p.recipients).toBe(9);
    expect(p.noRoute).toEqual({ count: 3, rows: FR_LINES, numbers: FR });
    expect(p.byAccount).toEqual({ a: 4, b: 2 });
    expect(p.warnings).toContainEqual(expect.stringMatching(/^3 recipients have no gateway account .*\(NO_ROUTE\): rows 3, 6, 9\./));
    expect(p.refusal).toBeUndefined();
    // Pinned to a, the German numbers have none either; a list's rows are positions in it.
    const pinned = await stack.producer.previewCampaign({
      content: 'Hi',
      recipients: MIXED.map((number) => ({ number })),
      accounts: ['a'],
    });
    expect(pinned.noRoute).toEqual({ count: 5, rows: [2, 3, 5, 7, 8], numbers: [FR[0], DE[0], FR[1], DE[1], FR[2]] });
    expect(pinned.byAccount).toEqual({ a: 4 });
  });

  it('previews them for one account that takes +44 only', async () => {
    const uk = stack.configWith({
      SMS_ACCOUNTS: '[{"name":"a","baseUrl":"http://127.0.0.1:4010/sms","prefixes":["44"]}]',
    });
    const producer = await stack.openProducer({ accounts: uk.accounts });
    const p = await producer.previewCampaign({ content: 'Hi', rows: csv(MIXED) });
    expect(p.noRoute).toEqual({ count: 5, rows: [3, 4, 6, 8, 9], numbers: [FR[0], DE[0], FR[1], DE[1], FR[2]] });
    expect(p.byAccount).toEqual({ a: 4 });
  });

  it('answers them in the API dry run', async () => {
    const res = await stack.server.app.inject({
      method: 'POST',
      url: '/v1/campaigns?dryRun=true&content=Hi',
      headers: { ...BEARER, 'content-type': 'text/csv' },
      payload: `number\n${MIXED.join('\n')}\n`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ recipients: 9, noRoute: { count: 3, rows: FR_LINES, numbers: FR }, byAccount: { a: 4, b: 2 } });
  });

  it('queues them with a warning naming their rows, and the worker ends exactly those failed NO_ROUTE', async () => {
    const result = await stack.producer.enqueueCampaign({ campaignId: 'no-route', content: 'Hi', rows: csv(MIXED, 'nr') });
    expect(result.total).toBe(9);
    expect(result.noRoute).toEqual({ count: 3, rows: FR_LINES, numbers: FR });
    expect(result.warnings).toContainEqual(expect.stringMatching(/^3 recipients have no gateway account .*\(NO_ROUTE\): rows 3, 6, 9\./));

    await stack.worker();
    const info = await campaignEnded(stack.producer, 'no-route');
    expect(info.counts).toMatchObject({ total: 9, sent: 6, failed: 3, pending: 0 });
    const results = await resultsOf(stack.producer, 'no-route');
    expect(results.map((r) => r.number)).toEqual(MIXED);
    const failedRows = results.flatMap((r, i) => (r.status === 'failed' ? [i + 2] : []));
    expect(failedRows).toEqual(FR_LINES);
    for (const r of results.filter((x) => x.status === 'failed')) expect(r.code).toBe('NO_ROUTE');
    for (const r of results.filter((x) => x.status === 'sent')) expect(r.account).toBe(r.number.startsWith('44') ? 'a' : 'b');
    // Each sent number in its own account's ledger, once; the others in none.
    const ledger = (sim: Simulator) =>
      [...sim.ledger.entries()]
        .filter((e) => e.orderId.startsWith('nr-'))
        .map((e) => e.number)
        .sort();
    expect(ledger(stack.sim)).toEqual([...UK].sort());
    expect(ledger(simB)).toEqual([...DE].sort());
  });
});

describe('the balance check, per account', () => {
  /** The price per message a priced delivery report leaves for the balance check: 0.01 USD, as both simulators charge. */
  async function lastPrice(): Promise<void> {
    await stack.ctx.redis.hset(stack.ctx.keys.lastPrice(), { pay: '10000', currency: 'USD', at: String(Date.now()) });
  }

  it("compares each account's balance with the recipients it is tried on first, naming the account that falls short", async () => {
    await lastPrice();
    // b pays for 1 message; its share is 2. a's is unlimited.
    simB.setFaults({ balance: 1 });
    const warned = await stack.producer.enqueueCampaign({ campaignId: 'bal-warn', content: 'Hi', rows: csv(MIXED), balanceCheck: 'warn' });
    expect(warned.warnings).toContainEqual(
      "account b: the campaign's 2 messages through it cost about 0.02 USD at the last known price (0.01 each), but balance plus credit is 0.01: enough for 1",
    );
    expect(warned.warnings?.some((w) => w.startsWith('account a'))).toBe(false);

    const refused = await stack.producer
      .enqueueCampaign({ campaignId: 'bal-require', content: 'Hi', rows: csv(MIXED), balanceCheck: 'require' })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'BALANCE_INSUFFICIENT', details: { account: 'b', total: 2 } });
    expect((refused as Error).message).toMatch(/^account b: the campaign's 2 messages through it cost about 0\.02 USD/);
    await nothingQueued('bal-require');

    // Pinned to a, nothing goes to b: its balance is not asked about.
    const pinned = await stack.producer.enqueueCampaign({
      campaignId: 'bal-pinned',
      content: 'Hi',
      rows: csv(MIXED),
      accounts: ['a'],
      balanceCheck: 'require',
    });
    expect(pinned.created).toBe(true);
  });
});
