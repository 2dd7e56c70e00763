import { useCampaignStack } from '../../support/campaigns';
import { waitFor } from '../../support/env';
import { parseMetrics, total, type Sample } from '../../support/prometheus';
import { BEARER } from '../../support/server';

// Attempts enough that the retries provoked below never use them up.
const stack = useCampaignStack('metrics', { app: 'inject', workers: 1, env: { SMS_ATTEMPTS: '50' } });

async function scrape(): Promise<Sample[]> {
  const res = await stack.server.app.inject({ method: 'GET', url: '/metrics', headers: BEARER });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(res.body);
}

it('serves Prometheus text whose counters move with a campaign: recipients, gateway calls, latency, retries, rate limits, jobs', async () => {
  const before = await scrape();
  const moved = (now: Sample[], name: string, labels: Record<string, string> = {}) =>
    total(now, name, labels) - total(before, name, labels);
  const until = (what: string, name: string, labels: Record<string, string>) =>
    waitFor(what, async () => (moved(await scrape(), name, labels) > 0 ? true : undefined));

  // The gateway first asks to slow down (HTTP 429), then answers -18, then accepts all but one number.
  stack.sim.setFaults({ http429Rate: 1, refuseNumbers: ['447733000007'] });
  const recipients = Array.from({ length: 3_000 }, (_, i) => ({ number: String(447_733_000_000 + i) }));
  const enqueued = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: BEARER,
    payload: { campaignId: 'metered', content: 'Hi', recipients },
  });
  expect(enqueued.statusCode).toBe(201);
  await until('a rate-limit wait', 'smsq_rate_limit_waits_total', {});
  stack.sim.setFaults({ http429Rate: 0, transientRate: 1 });
  await until('a -18 answer', 'smsq_gateway_calls_total', { status: '-18' });
  stack.sim.setFaults({ transientRate: 0 });
  await waitFor('the campaign to complete', async () => {
    const info = (await stack.server.app.inject({ method: 'GET', url: '/v1/campaigns/metered', headers: BEARER })).json();
    return info.state === 'completed' ? info : undefined;
  });

  // The campaign is counted complete inside its last batch job, a moment before BullMQ marks that job completed.
  const after = await waitFor('the last batch job to be marked completed', async () => {
    const now = await scrape();
    return total(now, 'smsq_jobs', { queue: 'batches', state: 'completed' }) === 3 ? now : undefined;
  });
  expect(moved(after, 'smsq_recipients_total', { outcome: 'sent' })).toBe(2_999);
  expect(moved(after, 'smsq_recipients_total', { outcome: 'failed' })).toBe(1);
  expect(moved(after, 'smsq_gateway_calls_total', { kind: 'reply', status: '0' })).toBe(3);
  const calls429 = moved(after, 'smsq_gateway_calls_total', { kind: 'http-error', status: '429' });
  const calls18 = moved(after, 'smsq_gateway_calls_total', { kind: 'reply', status: '-18' });
  expect(moved(after, 'smsq_rate_limit_waits_total')).toBe(calls429);
  // Every transient answer ended an attempt that will be retried.
  expect(moved(after, 'smsq_batch_retries_total')).toBe(calls429 + calls18);
  expect(moved(after, 'smsq_gateway_call_duration_seconds_count')).toBe(moved(after, 'smsq_gateway_calls_total'));
  // One account, SMS_API_*'s: every call is counted and timed under its name.
  expect(moved(after, 'smsq_gateway_calls_total', { account: 'default' })).toBe(moved(after, 'smsq_gateway_calls_total'));
  expect(moved(after, 'smsq_gateway_call_duration_seconds_count', { account: 'default' })).toBe(moved(after, 'smsq_gateway_calls_total'));
  expect(total(after, 'smsq_account_up', { account: 'default' })).toBe(1);
  expect(total(after, 'smsq_account_breaker_open', { account: 'default' })).toBe(0);
  expect(total(after, 'smsq_jobs', { queue: 'batches', state: 'completed' })).toBe(3);
  expect(total(after, 'smsq_jobs', { queue: 'campaigns', state: 'completed' })).toBe(1);
  expect(total(after, 'smsq_redis_up')).toBe(1);
  expect(total(after, 'smsq_account_stopped')).toBe(0);
});

it('counts an account-level stop and shows it until resume', async () => {
  stack.sim.setFaults({ refuseNumbers: [], balance: 0 });
  const before = await scrape();
  await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: BEARER,
    payload: { content: 'Hi', recipients: [{ number: '447733100000' }] },
  });
  const stopped = await waitFor('the account-level stop', async () => {
    const now = await scrape();
    return total(now, 'smsq_account_stopped') === 1 ? now : undefined;
  });
  expect(total(stopped, 'smsq_account_stops_total', { code: '-10' }) - total(before, 'smsq_account_stops_total', { code: '-10' })).toBe(1);
  expect(total(stopped, 'smsq_queue_paused', { queue: 'batches' })).toBe(1);

  stack.sim.topUp(10);
  await stack.server.app.inject({ method: 'POST', url: '/v1/queue/resume', headers: BEARER });
  const resumed = await scrape();
  expect(total(resumed, 'smsq_account_stopped')).toBe(0);
  expect(total(resumed, 'smsq_queue_paused', { queue: 'batches' })).toBe(0);
});

it("shows each gateway account's balance, read from the gateway in the background", async () => {
  const balance = await waitFor('a balance in /metrics', async () => {
    const sample = (await scrape()).find((s) => s.name === 'smsq_account_balance' && s.labels.account === 'default');
    return sample && sample.value > 0 ? sample.value : undefined;
  });
  expect(Number.isFinite(balance)).toBe(true);
});
