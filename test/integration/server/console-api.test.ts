/**
 * What the console's pages read, without a browser: the overview of a finished campaign (its progress series,
 * failures by code, batches), the queue's status, and the series' expiry with the campaign.
 */
import { useCampaignStack } from '../../support/campaigns';
import { waitFor } from '../../support/env';
import { BEARER, DASHBOARD } from '../../support/server';

const stack = useCampaignStack('console-api', { app: 'inject', workers: 1, env: { SMS_BATCH_SIZE: '10' } });
const login = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString('base64')}` };

const get = (url: string) => stack.server.app.inject({ method: 'GET', url, headers: login });

it("gives a finished campaign's progress series, failures by code and batches, behind the dashboard login", async () => {
  const refused = ['447766100003', '447766100017'];
  stack.sim.setFaults({ refuseNumbers: refused });
  const recipients = Array.from({ length: 45 }, (_, i) => ({ number: String(447_766_100_000 + i) }));
  const queued = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: { ...BEARER, 'content-type': 'application/json' },
    payload: JSON.stringify({ campaignId: 'series', content: 'Hi', recipients }),
  });
  expect(queued.statusCode).toBe(201);
  // The campaign is counted complete inside its last batch job, a moment before BullMQ moves that job out of active.
  const overview = await waitFor('the campaign to complete and its last batch to leave the queue', async () => {
    const o = (await get('/console/api/campaigns/series/overview')).json();
    return o.campaign.state === 'completed' && o.campaign.counts.pending === 0 && o.batches.inFlight === 0 ? o : undefined;
  });
  expect(overview.campaign).toMatchObject({
    counts: { sent: 43, failed: 2 },
    outcomeCodes: { failed: { NOT_ACCEPTED: 2 }, unknown: {} },
    priority: 'normal',
  });
  // One cumulative sample per batch, in order, the last one the campaign's totals.
  expect(overview.series).toHaveLength(5);
  expect(overview.series.at(-1)).toMatchObject({ sent: 43, failed: 2, unknown: 0 });
  const settled = overview.series.map((s: { sent: number; failed: number }) => s.sent + s.failed);
  const steps = settled.map((v: number, i: number) => v - (i === 0 ? 0 : settled[i - 1]));
  expect(steps.sort((a: number, b: number) => a - b)).toEqual([5, 10, 10, 10, 10]);
  expect(overview.batches).toEqual({ inFlight: 0, waiting: 0 });
  expect(overview.queue).toMatchObject({ paused: false, accountStop: null, workers: 1 });
  expect(overview.campaign.createdAt).toMatch(/Z$/);

  // Like the campaign's own record, the series expires once the campaign is done.
  const ttl = await stack.server.ctx.redis.ttl(`${stack.prefix}:campaign:series:series`);
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(stack.server.ctx.config.resultRetentionSeconds);
});

it('refuses the console without the login, and serves its pages under a Content-Security-Policy', async () => {
  for (const url of ['/', '/console/campaigns/x', '/console/assets/console.js', '/console/api/status']) {
    expect((await stack.server.app.inject({ method: 'GET', url })).statusCode).toBe(401);
  }
  const page = await get('/');
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
  expect(page.body).not.toMatch(/https?:\/\//);
  const chart = await get('/console/assets/uPlot.min.js');
  expect(chart.statusCode).toBe(200);
  expect((await get('/console/assets/secrets.txt')).statusCode).toBe(404);
  expect((await get('/console/api/status')).json()).toMatchObject({ paused: false, workers: 1, readOnly: false });
});

it('shows an account-level stop recorded by a worker, with its time in ISO 8601', async () => {
  const { ctx } = stack.server;
  const stop = { code: '-10', reason: 'insufficient balance', operatorAction: 'top up the account', at: Date.UTC(2026, 0, 31, 8, 30) };
  await ctx.redis.set(ctx.keys.accountStop(), JSON.stringify(stop));
  try {
    expect((await get('/console/api/status')).json()).toMatchObject({ accountStop: { ...stop, at: '2026-01-31T08:30:00.000Z' } });
    expect((await get('/console/api/campaigns/series/overview')).json().queue.accountStop).toMatchObject({ code: '-10' });
  } finally {
    await ctx.redis.del(ctx.keys.accountStop());
  }
});
