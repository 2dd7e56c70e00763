/**
 * Hard limits on every value a user gives a campaign, checked by the producer whichever way it arrives: the
 * library throws VALIDATION_FAILED, the API answers 422 with the same message, `smsq enqueue` exits 1 with it —
 * each naming the field, its limit and the value — and nothing is created in Redis. Dates that do not exist are
 * refused rather than rolled over; text with control characters, U+FFFD or lone surrogates is refused with the
 * row and field named.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { parseInstant } from '../../src/producer/campaign-timing';
import { SmsqError } from '../../src/shared/errors';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { keysMatching, testRedis } from '../support/env';
import { BEARER } from '../support/server';
import type { EnqueueOptions } from '../../src/producer';

const FC_SEED = process.env.FC_SEED === undefined ? 20_261_207 : Number(process.env.FC_SEED);
const stack = useCampaignStack('input-limits', { app: 'inject', dir: true });
const redis = testRedis();
afterAll(() => redis.disconnect());

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const recipients = [{ number: '447700900001' }];

/** Campaign fields out of range, and what the refusal must say: the field, its limit and the value. */
const OUT_OF_RANGE: Array<{ name: string; opts: Partial<EnqueueOptions>; says: string[] }> = [
  { name: 'validFor of 99999999 days', opts: { validFor: '99999999d' }, says: ['validFor', '366d', '99999999d'] },
  { name: 'validFor of 1e308 ms', opts: { validFor: 1e308 }, says: ['validFor', '366d', '1e+308'] },
  { name: 'validFor below a second', opts: { validFor: 10 }, says: ['validFor', '1s', '10 ms'] },
  { name: 'maxRate of 1e-300', opts: { maxRate: 1e-300 }, says: ['maxRate', '0.01', '1e-300'] },
  { name: 'sendAt on 30 February', opts: { sendAt: '2027-02-30T09:00:00Z' }, says: ['sendAt', '2027-02-30', 'has no day 30'] },
  { name: 'sendAt at 24:61', opts: { sendAt: '2027-01-05T24:61:00+01:00' }, says: ['sendAt', '24:61', 'hours go to 23'] },
  { name: 'sendAt two years ahead', opts: { sendAt: iso(Date.now() + 730 * DAY) }, says: ['sendAt', '366 days ahead'] },
  { name: 'sendAt a week ago', opts: { sendAt: iso(Date.now() - 7 * DAY) }, says: ['sendAt', '24 hours in the past'] },
  { name: 'expireAt two years ahead', opts: { expireAt: iso(Date.now() + 730 * DAY) }, says: ['expireAt', '366 days after'] },
  { name: 'a window hour of 24:61', opts: { window: '08:00-24:61' }, says: ['window', '24:61'] },
  { name: 'a timezone of 100 characters', opts: { timezone: 'x'.repeat(100) }, says: ['timezone', 'IANA'] },
  { name: 'campaignId "."', opts: { campaignId: '.' }, says: ['campaignId', 'only dots'] },
  { name: 'campaignId ".."', opts: { campaignId: '..' }, says: ['campaignId', 'only dots'] },
  { name: 'content with NUL', opts: { content: 'Hi\u0000there' }, says: ['content', 'U+0000', 'control character'] },
  { name: 'content with ESC', opts: { content: 'Hi \u001b[31m' }, says: ['content', 'U+001B'] },
  { name: 'content with a lone surrogate', opts: { content: 'Hi \ud83d' }, says: ['content', 'lone surrogate', 'U+D83D'] },
  { name: 'content with U+FFFD', opts: { content: 'Caf\ufffd' }, says: ['content', 'U+FFFD', 'UTF-8'] },
  { name: 'maxCost of 1e13', opts: { maxCost: 1e13 }, says: ['maxCost', 'at most 1000000000000', '10000000000000'] },
];

/** The campaign hashes and the campaign index: a refused campaign adds to neither. */
async function campaignKeys(): Promise<string[]> {
  return [
    ...(await keysMatching(redis, `${stack.prefix}:campaign:*`)),
    ...(await keysMatching(redis, `${stack.prefix}:campaigns:*`)),
  ].sort();
}

/** Runs `refuse` and checks that it created no campaign key. */
async function createsNothing(refuse: () => Promise<void>): Promise<void> {
  const before = await campaignKeys();
  await refuse();
  expect(await campaignKeys()).toEqual(before);
}

describe('the library', () => {
  it.each(OUT_OF_RANGE)('refuses $name with VALIDATION_FAILED naming the field, its limit and the value', async ({ opts, says }) => {
    await createsNothing(async () => {
      const err = await stack.producer.enqueueCampaign({ content: 'Hi', recipients, ...opts }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SmsqError);
      expect((err as SmsqError).code).toBe('VALIDATION_FAILED');
      for (const s of says) expect((err as SmsqError).message).toContain(s);
    });
  });

  it('accepts the edges of each range: validFor 366d, maxRate 0.01, sendAt within the year, newline and tab in content', async () => {
    const sendAt = iso(Date.now() + 300 * DAY);
    const q = await stack.producer.enqueueCampaign({
      campaignId: 'edges',
      content: 'Line one\nline\ttwo',
      recipients,
      validFor: '366d',
      maxRate: 0.01,
      sendAt,
    });
    const info = await stack.producer.getCampaign(q.campaignId);
    expect(info.state).toBe('scheduled');
    expect(info.schedule?.sendAt).toBe(Date.parse(sendAt));
    expect(info.schedule?.expireAt).toBe(Date.parse(sendAt) + 366 * DAY);
    await stack.producer.cancelCampaign('edges');
  });

  it('names the row and field of a recipient whose orderId or template field holds a control character or half a character', async () => {
    const before = await campaignKeys();
    const err = (await stack.producer
      .enqueueCampaign({
        campaignId: 'bad-text-rows',
        content: 'Hi {{name}}',
        recipients: [
          { number: '447700900011', orderId: 'ok-1', fields: { name: 'Ana' } },
          { number: '447700900012', orderId: 'nul\u0000id', fields: { name: 'Bo' } },
          { number: '447700900013', orderId: 'ok-3', fields: { name: 'Cy\u0007' } },
          { number: '447700900014', orderId: 'half\udc00', fields: { name: 'Di' } },
          { number: '447700900015', orderId: 'ok-5', fields: { name: 'Ed\ufffd' } },
        ],
      })
      .catch((e: unknown) => e)) as SmsqError;
    expect(err.code).toBe('VALIDATION_FAILED');
    const rows = (err.details as { rows: Array<{ row: number; reason: string }> }).rows;
    expect(rows.map((r) => r.row)).toEqual([2, 3, 4, 5]);
    expect(rows[0].reason).toMatch(/orderId must not contain control characters/);
    expect(rows[1].reason).toMatch(/field 'name' has the control character U\+0007/);
    expect(rows[2].reason).toMatch(/orderId has a lone surrogate/);
    expect(rows[3].reason).toMatch(/field 'name' has U\+FFFD/);
    expect(await campaignKeys()).toEqual(before);
  });

  it('refuses to reschedule to a date that does not exist or beyond the horizon, and pause reasons over 500 characters', async () => {
    await stack.producer.enqueueCampaign({ campaignId: 'resched', content: 'Hi', recipients, sendAt: iso(Date.now() + DAY) });
    await expect(stack.producer.rescheduleCampaign('resched', '2027-02-30T09:00:00Z')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('has no day 30'),
    });
    await expect(stack.producer.rescheduleCampaign('resched', iso(Date.now() + 400 * DAY))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('366 days'),
    });
    await expect(stack.producer.pauseCampaign('resched', { reason: 'x'.repeat(501) })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('500'),
    });
    expect((await stack.producer.getCampaign('resched')).state).toBe('scheduled');
    await stack.producer.cancelCampaign('resched');
  });

  it('reads an ISO instant only when each part exists: generated dates are refused exactly when the calendar has no such day or time', () => {
    const part = (min: number, max: number) => fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));
    fc.assert(
      fc.property(
        fc.integer({ min: 1990, max: 2100 }),
        part(0, 13),
        part(0, 32),
        part(0, 25),
        part(0, 61),
        part(0, 61),
        (year, mo, d, h, mi, s) => {
          const text = `${year}-${mo}-${d}T${h}:${mi}:${s}Z`;
          const real = new Date(Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
          const exists =
            Number(mo) >= 1 &&
            Number(mo) <= 12 &&
            real.getUTCDate() === Number(d) &&
            real.getUTCMonth() === Number(mo) - 1 &&
            Number(h) < 24 &&
            Number(mi) < 60 &&
            Number(s) < 60;
          const got = parseInstant(text);
          if (exists) expect(got).toBe(real.getTime());
          else expect(typeof got).toBe('string');
        },
      ),
      { seed: FC_SEED, numRuns: 2_000 },
    );
  });
});

describe('the API', () => {
  it.each(OUT_OF_RANGE)('answers 422 VALIDATION_FAILED to $name, with the same message, and creates nothing', async ({ opts, says }) => {
    await createsNothing(async () => {
      const res = await stack.server.app.inject({
        method: 'POST',
        url: '/v1/campaigns',
        headers: BEARER,
        payload: { content: 'Hi', recipients, ...opts },
      });
      expect(res.statusCode).toBe(422);
      const { error } = res.json<{ error: { code: string; message: string } }>();
      expect(error.code).toBe('VALIDATION_FAILED');
      for (const s of says) expect(error.message).toContain(s);
    });
  });

  it("refuses out-of-range values in a streamed upload's query string too", async () => {
    const before = await campaignKeys();
    const res = await stack.server.app.inject({
      method: 'POST',
      url: `/v1/campaigns?content=Hi&maxRate=0.000001&validFor=${encodeURIComponent('99999999d')}`,
      headers: { ...BEARER, 'content-type': 'text/csv' },
      payload: '447700900001\n',
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toMatch(/maxRate must be .* from 0\.01 .*0\.000001/);
    expect(res.json().error.message).toContain('99999999d');
    expect(await campaignKeys()).toEqual(before);
  });
});

describe('the command line', () => {
  it('exits 1 with the message for out-of-range flags and a file of invalid UTF-8, and queues nothing', async () => {
    const before = await campaignKeys();
    const file = path.join(stack.dir, 'r.csv');
    await writeFile(file, 'number,orderId\n447700900001,a\n');
    const cases: Array<[string[], string[]]> = [
      [
        ['--valid-for', '99999999d'],
        ['validFor', '366d', '99999999d'],
      ],
      [
        ['--max-rate', '1e-300'],
        ['maxRate', '0.01', '1e-300'],
      ],
      [
        ['--send-at', '2027-02-30T09:00:00+01:00'],
        ['sendAt', 'has no day 30'],
      ],
      [
        ['--campaign-id', '..'],
        ['campaignId', 'only dots'],
      ],
    ];
    for (const [flags, says] of cases) {
      const r = await runSmsq(['enqueue', file, '--content', 'Hi', ...flags], stack.env);
      expect(r.code).toBe(1);
      for (const s of says) expect(r.stderr).toContain(s);
      expect(r.stderr).toContain('[VALIDATION_FAILED]');
    }
    // A Latin-1 file read as UTF-8: its é becomes U+FFFD, and the row is named rather than sent as "Caf?".
    const latin1 = path.join(stack.dir, 'latin1.csv');
    await writeFile(latin1, Buffer.concat([Buffer.from('number,orderId\n447700900001,caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const r = await runSmsq(['enqueue', latin1, '--content', 'Hi'], stack.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 2, orderId: orderId has U\+FFFD/);
    expect(await campaignKeys()).toEqual(before);
    expect(stack.sim.ledger.size).toBe(0);
  }, 120_000);
});
