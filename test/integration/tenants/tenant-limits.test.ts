/**
 * A tenant's limits at enqueue, over the HTTP API with real tenant keys (src/producer/tenant-limits.ts): lanes,
 * maxRate, recipients and estimated spend per UTC day (a prices file at 0.05 EUR a segment for +44 numbers). A
 * campaign refused leaves nothing behind — no record, no list entry, no key with its id, no number in the
 * simulator's ledger after the workers ran — and counts nothing against the day; the campaigns under the limit send.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { limitPassed, reserveDailyShare } from '../../../src/producer/tenant-limits';
import { SmsqError } from '../../../src/shared/errors';
import type { TenantLimits } from '../../../src/shared/tenants/tenant-settings';
import { dayEnd, readUsage, utcDay } from '../../../src/shared/tenants/tenant-usage';
import { campaignEnded, useCampaignStack } from '../../support/campaigns';
import { keysMatching } from '../../support/env';
import { FC_SEED } from '../../support/fc-seed';
import { BEARER } from '../../support/server';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'smsq-tenant-limits-'));
  await writeFile(path.join(dir, 'prices.csv'), 'country,price,currency\n44,0.05,EUR\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const stack = useCampaignStack('tenant-limits', {
  app: 'inject',
  workers: 1,
  env: () => ({ SMS_PRICES_FILE: path.join(dir, 'prices.csv') }),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers read loosely: each assertion states the shape it needs
type Json = any;
const PRICE_MICROS = 50_000;

let next = 447_700_100_000;
/** `n` numbers no other campaign of the file uses (all +44: priced). */
const numbers = (n: number): string[] => Array.from({ length: n }, () => String(next++));

/** A tenant key for a tenant of its own, with these limits. */
async function tenantKey(tenant: string, limits: TenantLimits): Promise<{ authorization: string }> {
  const { ctx } = stack.server;
  await ctx.tenants.update(tenant, { limits }, Date.now());
  const { key } = await ctx.apiKeys.create({ name: `${tenant}-backend`, scope: 'tenant', tenant });
  return { authorization: `Bearer ${key}` };
}

async function enqueue(
  auth: { authorization: string },
  body: Record<string, unknown>,
  dryRun = false,
): Promise<{ status: number; json: Json }> {
  const res = await stack.server.app.inject({
    method: 'POST',
    url: `/v1/campaigns${dryRun ? '?dryRun=true' : ''}`,
    headers: auth,
    payload: { content: 'Sale starts now', ...body },
  });
  return { status: res.statusCode, json: res.json() };
}

async function get(auth: { authorization: string }, url: string): Promise<{ status: number; json: Json }> {
  const res = await stack.server.app.inject({ method: 'GET', url, headers: auth });
  return { status: res.statusCode, json: res.json() };
}

const usage = (tenant: string) => readUsage(stack.ctx.redis, stack.ctx.keys, tenant, Date.now());

/** Nothing of the campaign anywhere: not found, in no list, no key naming its stored id (record, batches, jobs). */
async function expectNothingQueued(auth: { authorization: string }, tenant: string, campaignId: string): Promise<void> {
  expect((await get(auth, `/v1/campaigns/${campaignId}`)).status).toBe(404);
  const own = (await get(auth, '/v1/campaigns?limit=200')).json.campaigns.map((c: Json) => c.campaignId);
  expect(own).not.toContain(campaignId);
  const all = (await get(BEARER, '/v1/campaigns?limit=200')).json.campaigns.map((c: Json) => c.campaignId);
  expect(all).not.toContain(`${tenant}~${campaignId}`);
  expect(await keysMatching(stack.ctx.redis, `${stack.prefix}:*${tenant}~${campaignId}*`)).toEqual([]);
}

const ledgerNumbers = () => new Set([...stack.sim.ledger.entries()].map((e) => e.number));

it('refuses a tenant at its daily recipient limit with nothing queued, while its campaigns under the limit send', async () => {
  const auth = await tenantKey('daily', { recipientsPerDay: 25 });
  const first = { campaignId: 'first', recipients: numbers(10).map((number) => ({ number })) };
  expect((await enqueue(auth, first)).status).toBe(201);
  const second = numbers(10);
  expect((await enqueue(auth, { campaignId: 'second', recipients: second.map((number) => ({ number })) })).status).toBe(201);

  const refused = numbers(10);
  const before = Date.now();
  const answer = await enqueue(auth, { campaignId: 'over', recipients: refused.map((number) => ({ number })) });
  expect(answer.status).toBe(429);
  expect(answer.json.error.code).toBe('DAILY_LIMIT_REACHED');
  expect(answer.json.error.details).toMatchObject({ limit: 'recipientsPerDay', limitValue: 25, used: 20, requested: 10 });
  expect([dayEnd(before), dayEnd(Date.now())].map((t) => new Date(t).toISOString())).toContain(answer.json.error.details.resetsAt);
  // A preview says so too, and reserves nothing.
  const preview = await enqueue(auth, { recipients: refused.map((number) => ({ number })) }, true);
  expect(preview.status).toBe(200);
  expect(preview.json.refusal.code).toBe('DAILY_LIMIT_REACHED');
  expect((await usage('daily')).recipients).toBe(20);

  // The refusal counted nothing: five more still fit, exactly to the limit; the first campaign again counts nothing.
  const last = numbers(5);
  expect((await enqueue(auth, { campaignId: 'last', recipients: last.map((number) => ({ number })) })).status).toBe(201);
  const again = await enqueue(auth, first);
  expect(again.status).toBe(200);
  expect(again.json.created).toBe(false);
  expect((await usage('daily')).recipients).toBe(25);
  const key = stack.ctx.keys.tenantUsage('daily', utcDay(Date.now()));
  expect(await stack.ctx.redis.pttl(key)).toBeGreaterThan(24 * 3600_000);
  expect(await stack.ctx.redis.pttl(key)).toBeLessThanOrEqual(48 * 3600_000);

  for (const id of ['first', 'second', 'last'])
    expect((await campaignEnded(stack.producer, `daily~${id}`)).counts.sent).toBe(id === 'last' ? 5 : 10);
  const sent = ledgerNumbers();
  expect([...first.recipients.map((r) => r.number), ...second, ...last].filter((n) => !sent.has(n))).toEqual([]);
  expect(refused.filter((n) => sent.has(n))).toEqual([]);
  await expectNothingQueued(auth, 'daily', 'over');
});

it("refuses a priority outside the tenant's lanes, the default included, and queues one inside them", async () => {
  const auth = await tenantKey('alerts', { lanes: ['high'] });
  for (const priority of [undefined, 'low']) {
    const answer = await enqueue(auth, { campaignId: `lane-${priority ?? 'default'}`, priority, recipients: [{ number: numbers(1)[0] }] });
    expect(answer.status).toBe(403);
    expect(answer.json.error.code).toBe('LANE_NOT_ALLOWED');
    expect(answer.json.error.message).toContain('priority high only');
    await expectNothingQueued(auth, 'alerts', `lane-${priority ?? 'default'}`);
  }
  expect((await usage('alerts')).recipients).toBe(0);
  expect((await enqueue(auth, { campaignId: 'lane-high', priority: 'high', recipients: [{ number: numbers(1)[0] }] })).status).toBe(201);
  expect((await get(auth, '/v1/campaigns/lane-high')).json.priority).toBe('high');
});

it("refuses a maxRate above the tenant's and gives a campaign asking none the tenant's", async () => {
  const auth = await tenantKey('slow', { maxRate: 40 });
  const over = await enqueue(auth, { campaignId: 'fast', maxRate: 41, recipients: [{ number: numbers(1)[0] }] });
  expect(over.status).toBe(422);
  expect(over.json.error.code).toBe('TENANT_RATE_LIMIT');
  await expectNothingQueued(auth, 'slow', 'fast');

  expect((await enqueue(auth, { campaignId: 'default-rate', recipients: [{ number: numbers(1)[0] }] })).status).toBe(201);
  expect((await get(auth, '/v1/campaigns/default-rate')).json.maxRate).toBe(40);
  expect(await stack.ctx.redis.hget(stack.ctx.keys.campaign('slow~default-rate'), 'maxRate')).toBe('40');
  expect((await enqueue(auth, { campaignId: 'own-rate', maxRate: 10, recipients: [{ number: numbers(1)[0] }] })).status).toBe(201);
  expect((await get(auth, '/v1/campaigns/own-rate')).json.maxRate).toBe(10);
});

it('counts the estimated cost against the spend per day, and refuses a cost it cannot estimate', async () => {
  const auth = await tenantKey('spender', { spendPerDayMicros: 20 * PRICE_MICROS });
  expect((await enqueue(auth, { campaignId: 'twelve', recipients: numbers(12).map((number) => ({ number })) })).status).toBe(201);
  const over = await enqueue(auth, { campaignId: 'ten', recipients: numbers(10).map((number) => ({ number })) });
  expect(over.status).toBe(429);
  expect(over.json.error.details).toMatchObject({ limit: 'spendPerDay', limitValue: '1.00', used: '0.60', requested: '0.50' });
  await expectNothingQueued(auth, 'spender', 'ten');
  expect((await enqueue(auth, { campaignId: 'eight', recipients: numbers(8).map((number) => ({ number })) })).status).toBe(201);
  expect(await usage('spender')).toMatchObject({ recipients: 20, spendMicros: 20 * PRICE_MICROS });

  // A French number has no price in the file: with a spend limit the campaign is refused, without one it is queued.
  const unpriced = await enqueue(auth, { campaignId: 'abroad', recipients: [{ number: '33612345678' }] });
  expect(unpriced.status).toBe(422);
  expect(unpriced.json.error.code).toBe('SPEND_NOT_ESTIMATED');
  expect(unpriced.json.error.message).toContain('1 recipient(s) have no price');
  await expectNothingQueued(auth, 'spender', 'abroad');
  const free = await tenantKey('no-spend-limit', { recipientsPerDay: 10 });
  expect((await enqueue(free, { campaignId: 'abroad', recipients: [{ number: '33612345678' }] })).status).toBe(201);
  expect(await usage('no-spend-limit')).toMatchObject({ recipients: 1, spendMicros: 0 });
});

it('counts two tenants independently, and never limits an admin key', async () => {
  const a = await tenantKey('tenant-a', { recipientsPerDay: 5, lanes: ['low'] });
  const b = await tenantKey('tenant-b', { recipientsPerDay: 5, lanes: ['low'] });
  // The same campaignId in both: two campaigns, each counted by its own tenant.
  for (const auth of [a, b])
    expect(
      (await enqueue(auth, { campaignId: 'same', priority: 'low', recipients: numbers(5).map((number) => ({ number })) })).status,
    ).toBe(201);
  expect((await enqueue(a, { campaignId: 'more', priority: 'low', recipients: [{ number: numbers(1)[0] }] })).status).toBe(429);
  expect((await usage('tenant-a')).recipients).toBe(5);
  expect((await usage('tenant-b')).recipients).toBe(5);

  const admin = await enqueue(BEARER, {
    campaignId: 'admin-high',
    priority: 'high',
    maxRate: 5000,
    recipients: numbers(30).map((number) => ({ number })),
  });
  expect(admin.status).toBe(201);
  expect(await stack.ctx.redis.hget(stack.ctx.keys.campaign('admin-high'), 'maxRate')).toBe('5000');
  expect((await usage('tenant-a')).recipients).toBe(5);
  expect((await usage('tenant-b')).recipients).toBe(5);
});

it('gives the day back when the commit fails after the reservation', async () => {
  const auth = await tenantKey('fragile', { recipientsPerDay: 10 });
  const body = { campaignId: 'retry-me', recipients: numbers(10).map((number) => ({ number })) };
  // The split job is the commit's last write: Redis refusing it (full) takes the campaign back.
  const add = jest
    .spyOn(stack.server.ctx.queues.campaigns, 'add')
    .mockRejectedValueOnce(Object.assign(new Error('OOM command not allowed when used memory > maxmemory.'), { name: 'ReplyError' }));
  try {
    const failed = await enqueue(auth, body);
    expect(failed.status).toBe(503);
    expect(failed.json.error.code).toBe('REDIS_FULL');
  } finally {
    add.mockRestore();
  }
  expect((await usage('fragile')).recipients).toBe(0);
  await expectNothingQueued(auth, 'fragile', 'retry-me');
  // Had the day kept the failed share, this would pass the limit of 10.
  expect((await enqueue(auth, body)).status).toBe(201);
  expect((await usage('fragile')).recipients).toBe(10);
});

it('reserves in Redis exactly what the limits let through, over generated sequences of campaigns', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        recipientsPerDay: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
        spendPerDayMicros: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
      }),
      fc.array(fc.record({ recipients: fc.integer({ min: 1, max: 30 }), spendMicros: fc.integer({ min: 0, max: 30 }) }), { maxLength: 8 }),
      async (limitsGiven, shares) => {
        const limits: TenantLimits = JSON.parse(JSON.stringify(limitsGiven)) as TenantLimits;
        const tenant = `generated-${run++}`;
        const model = { recipients: 0, spendMicros: 0 };
        for (const share of shares) {
          const fits = limitPassed(limits, model, share) === null;
          const reserved = await reserveDailyShare(stack.ctx, tenant, limits, share).then(
            () => true,
            (err: unknown) => {
              if (err instanceof SmsqError && err.code === 'DAILY_LIMIT_REACHED') return false;
              throw err;
            },
          );
          expect(reserved).toBe(fits);
          if (fits) {
            model.recipients += share.recipients;
            model.spendMicros += share.spendMicros;
          }
        }
        expect(await usage(tenant)).toMatchObject(model);
      },
    ),
    { seed: FC_SEED, numRuns: 40 },
  );
});
