/**
 * What the dashboard login can change in bull-board: failed jobs retried, nothing else. Every other write bull-board
 * offers is asked for as the dashboard's own page would ask (same origin, the login), and the queues are read
 * back: nothing added, promoted, edited, reordered or removed. Also the headers every answer carries.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import { JOB_NAMES, QUEUE_NAMES } from '../../../src/shared/queues';
import { Redis } from 'ioredis';
import { REDIS_URL, waitUntil } from '../../support/env';
import { useCampaignStack } from '../../support/campaigns';
import { BEARER, DASHBOARD, errorCode } from '../../support/server';

const testApp = useCampaignStack('dashboard-writes', { simulator: false, producer: false, app: 'inject' });
const { prefix } = testApp;
const login = { authorization: `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString('base64')}` };
/** What bull-board's own page sends: the login, and a browser's word that the request comes from this origin. */
const board = { ...login, 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80' };
const BOARD = '/admin/queues/api/queues';

/** A scheduled campaign, queued through the API: its split job waits, delayed, until sendAt. */
async function scheduledCampaign(campaignId: string): Promise<void> {
  const res = await testApp.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: { ...BEARER, 'content-type': 'application/json' },
    payload: JSON.stringify({
      campaignId,
      content: 'Later',
      sendAt: new Date(Date.now() + 3_600_000).toISOString(),
      recipients: [{ number: '447700900001' }],
    }),
  });
  expect(res.statusCode).toBe(201);
}

const send = (method: 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) =>
  testApp.server.app.inject({
    method,
    url: `${BOARD}${url}`,
    headers: payload === undefined ? board : { ...board, 'content-type': 'application/json' },
    payload: payload === undefined ? undefined : JSON.stringify(payload),
  });

it('refuses adding a job, so that no webhook event or batch can be forged through it, and adds nothing', async () => {
  const forged = {
    id: 'msg_forged_1',
    type: 'campaign.completed',
    campaignId: 'x',
    url: 'http://127.0.0.1:9/steal',
    payload: '',
    createdAt: Date.now(),
    since: Date.now(),
  };
  for (const [queue, name, data] of [
    ['webhooks', JOB_NAMES.webhook, forged],
    ['batches', JOB_NAMES.send, { campaignId: 'x', batch: 0 }],
    ['campaigns', JOB_NAMES.split, { campaignId: 'x' }],
  ] as const) {
    const res = await send('POST', `/${queue}/add`, { name, data, options: {} });
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(res.json().error.message).toMatch(/retry failed ones, nothing else/);
  }
  const counts = await Promise.all([
    testApp.server.ctx.queues.webhooks.count(),
    testApp.server.ctx.queues.batches.count(),
    testApp.server.ctx.queues.campaigns.count(),
  ]);
  expect(counts).toEqual([0, 0, 0]);
});

it("refuses promoting, rescheduling, editing or reprioritising a scheduled campaign's job, which stays delayed as it was", async () => {
  await scheduledCampaign('later');
  const jobId = `c.later`;
  const before = await testApp.server.ctx.queues.campaigns.getJob(jobId);
  expect(await before!.isDelayed()).toBe(true);
  const attempts: Array<[string, 'PUT' | 'PATCH', string, unknown?]> = [
    ['promote the job', 'PUT', `/campaigns/${jobId}/promote`],
    ['promote every delayed job', 'PUT', '/campaigns/promote'],
    ['change its delay', 'PATCH', `/campaigns/${jobId}/delay`, { delay: 0 }],
    ['edit its data', 'PATCH', `/campaigns/${jobId}/update-data`, { campaignId: 'someone-else' }],
    ['change its priority', 'PATCH', `/campaigns/${jobId}/priority`, { priority: 1 }],
    ['remove it', 'PUT', `/campaigns/${jobId}/clean`],
    ['clean the delayed jobs', 'PUT', '/campaigns/clean/delayed'],
    ['empty the queue', 'PUT', '/campaigns/empty'],
    ['obliterate the queue', 'PUT', '/campaigns/obliterate'],
    ['retry a job that is not failed', 'PUT', `/campaigns/${jobId}/retry`],
    ['retry every completed job', 'PUT', '/campaigns/retry/completed'],
    ['pause the queue', 'PUT', '/batches/pause'],
    ['pause every queue', 'PUT', '/pause'],
    ['set a rate limit', 'PUT', '/batches/rate-limit', { max: 1, duration: 1000 }],
    ['set a concurrency', 'PUT', '/batches/concurrency', { concurrency: 1 }],
  ];
  for (const [what, method, url, body] of attempts) {
    const res = await send(method, url, body);
    expect({ what, status: res.statusCode, code: errorCode(res) }).toEqual({ what, status: 403, code: 'FORBIDDEN' });
  }
  const after = await testApp.server.ctx.queues.campaigns.getJob(jobId);
  expect(await after!.getState()).toBe('delayed');
  expect(after!.data).toEqual({ campaignId: 'later' });
  expect(after!.delay).toBe(before!.delay);
  expect(after!.opts.priority).toBe(before!.opts.priority);
  expect(await testApp.server.ctx.queues.batches.isPaused()).toBe(false);
  expect(await testApp.server.ctx.redis.hget(`${prefix}:campaign:later`, 'state')).toBe('scheduled');
});

it("retries a failed job, one or all of a queue, as bull-board's own buttons ask", async () => {
  // A delivery-poller job that fails for good, run by a worker of this test on the server's queue.
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const worker = new Worker(
    QUEUE_NAMES.delivery,
    async () => {
      throw new UnrecoverableError('made to fail by the test');
    },
    { connection, prefix },
  );
  try {
    const job = await testApp.server.ctx.queues.delivery.add(JOB_NAMES.pollReports, {}, { jobId: 'failing-poll' });
    await waitUntil('the job to fail', async () => (await job.getState()) === 'failed');
    await worker.close();
    // bull-board's page sends its PUTs with no body and no content type.
    const one = await send('PUT', `/delivery/${job.id}/retry`);
    expect(one.statusCode).toBe(204);
    expect(await job.getState()).toMatch(/waiting|prioritized/);
    const all = await send('PUT', '/delivery/retry/failed');
    expect(all.statusCode).toBe(200);
    // Both retries are in the audit trail under the dashboard's login; the retries refused above are not.
    const trail = (await testApp.server.ctx.audit.list()).filter((e) => e.action === 'jobs.retry');
    expect(trail.map((e) => [e.keyName, e.action, e.changes])).toEqual([
      [`dashboard:${DASHBOARD.user}`, 'jobs.retry', { queue: 'delivery', status: 'failed' }],
      [`dashboard:${DASHBOARD.user}`, 'jobs.retry', { queue: 'delivery', jobId: 'failing-poll' }],
    ]);
  } finally {
    await worker.close();
    connection.disconnect();
    await testApp.server.ctx.queues.delivery.obliterate({ force: true });
  }
});

it('refuses a write from another site even where it would be allowed, and a body in another type than JSON', async () => {
  const cross = await testApp.server.app.inject({
    method: 'PUT',
    url: `${BOARD}/delivery/retry/failed`,
    headers: { ...login, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
  });
  expect(cross.statusCode).toBe(403);
  expect(errorCode(cross)).toBe('CROSS_SITE_REQUEST');
  const form = await testApp.server.app.inject({
    method: 'PUT',
    url: `${BOARD}/delivery/retry/failed`,
    headers: { ...board, 'content-type': 'text/plain' },
    payload: 'x=1',
  });
  expect(form.statusCode).toBe(415);
});

it("sends nosniff and a referrer policy on every answer: console, API, bull-board's page, its API and its files, and errors", async () => {
  const page = await testApp.server.app.inject({ method: 'GET', url: '/admin/queues', headers: login });
  const asset = /src="([^"]+\.js)"/.exec(page.body)?.[1];
  expect(asset).toBeDefined();
  const answers = [
    page,
    await testApp.server.app.inject({ method: 'GET', url: asset!, headers: login }),
    await testApp.server.app.inject({ method: 'GET', url: `${BOARD}?activeQueue=batches&status=latest&page=1`, headers: login }),
    await testApp.server.app.inject({ method: 'GET', url: '/', headers: login }),
    await testApp.server.app.inject({ method: 'GET', url: '/console/api/status', headers: login }),
    await testApp.server.app.inject({ method: 'GET', url: '/v1/campaigns', headers: BEARER }),
    await testApp.server.app.inject({ method: 'GET', url: '/v1/campaigns' }),
    await testApp.server.app.inject({ method: 'GET', url: '/no-such-page', headers: BEARER }),
    await testApp.server.app.inject({ method: 'GET', url: '/healthz' }),
  ];
  for (const res of answers) {
    expect(res.statusCode).toBeLessThan(500);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('same-origin');
  }
});
