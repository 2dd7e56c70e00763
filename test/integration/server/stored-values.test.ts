/**
 * Every stored value is read back defensively: a campaign record, a delivery report, a reply or a suppression entry
 * with a bad field — written straight into Redis here, as an older version or corruption would — never breaks a
 * list or an export. The list shows the record with the bad field left out (and named in `damaged`); a record
 * that cannot be understood at all is left out of the list. Values out of range are refused where they come in:
 * a delivery report dated 1e20 and reply pushes over their limits are counted, not stored.
 */
import { jobIds } from '../../../src/shared/redis/keys';
import type { CampaignInfo, RecipientResult } from '../../../src/shared/types';
import { runSmsq } from '../../support/cli';
import { useCampaignStack } from '../../support/campaigns';
import { testRedis, waitFor } from '../../support/env';
import { BEARER, DASHBOARD, errorCode } from '../../support/server';

const DLR_TOKEN = 'dlr-token-abcdef0123456789';
const REPLY_TOKEN = 'reply-token-abcdef0123456789';
const stack = useCampaignStack('stored-values', {
  app: 'inject',
  workers: 1,
  env: { DLR_TOKEN, REPLY_TOKEN, DLR_POLL_INTERVAL_MS: '0', REPLY_POLL_INTERVAL_MS: '0' },
});
const redis = testRedis();
afterAll(() => redis.disconnect());

const get = (url: string, headers: Record<string, string> = {}) =>
  stack.server.app.inject({ method: 'GET', url, headers: { ...BEARER, ...headers } });
const post = (url: string, body: unknown) =>
  stack.server.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

let nextNumber = 447_733_100_000;
async function sentCampaign(id: string, n: number): Promise<RecipientResult[]> {
  const recipients = Array.from({ length: n }, () => ({ number: String(nextNumber++) }));
  const res = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/campaigns',
    headers: BEARER,
    payload: { campaignId: id, content: 'Stored values', recipients },
  });
  expect(res.statusCode).toBe(201);
  await waitFor(`campaign ${id}`, async () => (await get(`/v1/campaigns/${id}`)).json<CampaignInfo>().state === 'completed' || undefined);
  return ndjson<RecipientResult>((await get(`/v1/campaigns/${id}/results`)).body);
}

const ndjson = <T>(body: string): T[] =>
  body
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

describe('a campaign record with a bad field', () => {
  it('is listed with the field left out and named, by GET /v1/campaigns, smsq list and smsq status; one that cannot be read is left out', async () => {
    await sentCampaign('good', 2);
    await sentCampaign('bad-times', 2);
    const key = `${stack.prefix}:campaign:bad-times`;
    // What `validFor: "99999999d"` wrote before it was refused, and worse.
    await redis.hset(key, {
      expireAt: String(Date.now() + 99_999_999 * 86_400_000),
      sendAt: '1e308',
      finishedAt: 'yesterday',
      window: '25:00-26:00',
    });
    // A state no version writes, indexed like any campaign.
    await redis.hset(`${stack.prefix}:campaign:zombie`, {
      state: 'undead',
      content: 'x',
      createdAt: String(Date.now()),
      total: '1',
      batches: '1',
    });
    await redis.zadd(`${stack.prefix}:campaigns:by-created`, Date.now(), 'zombie');

    const list = await get('/v1/campaigns');
    expect(list.statusCode).toBe(200);
    const listed = list.json<{ campaigns: Array<CampaignInfo & { finishedAt?: string }> }>().campaigns;
    expect(listed.map((c) => c.campaignId).sort()).toEqual(['bad-times', 'good']);
    const bad = listed.find((c) => c.campaignId === 'bad-times')!;
    expect(bad.damaged?.sort()).toEqual(['expireAt', 'finishedAt', 'sendAt', 'window']);
    expect(bad.finishedAt).toBeUndefined();
    expect(bad.counts.sent).toBe(2);

    const one = await get('/v1/campaigns/bad-times');
    expect(one.statusCode).toBe(200);
    expect(one.json<CampaignInfo>().damaged).toHaveLength(4);
    // The console's page of it too: shown with the fields left out, never a 500.
    const login = `Basic ${Buffer.from(`${DASHBOARD.user}:${DASHBOARD.password}`).toString('base64')}`;
    const overview = await stack.server.app.inject({
      method: 'GET',
      url: '/console/api/campaigns/bad-times/overview',
      headers: { authorization: login },
    });
    expect(overview.statusCode).toBe(200);
    expect(overview.json<{ campaign: CampaignInfo }>().campaign.damaged).toHaveLength(4);

    const cliList = await runSmsq(['list'], stack.env);
    expect(cliList.code).toBe(0);
    expect(cliList.stdout).toContain('bad-times');
    expect(cliList.stdout).toContain('good');
    const cliJson = await runSmsq(['list', '--json'], stack.env);
    expect(cliJson.code).toBe(0);
    expect(
      ndjson<CampaignInfo>(cliJson.stdout)
        .map((c) => c.campaignId)
        .sort(),
    ).toEqual(['bad-times', 'good']);
    const status = await runSmsq(['status', 'bad-times'], stack.env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('completed');
  }, 120_000);
});

describe('a campaign whose schedule, window or validity cannot be read', () => {
  it('is not sent (its split job fails saying why), is still listed, and can be cancelled', async () => {
    const content = 'Never at night';
    const sendAt = new Date(Date.now() + 1_500).toISOString();
    const res = await stack.server.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: BEARER,
      payload: {
        campaignId: 'bad-window',
        content,
        window: 'tcpa',
        timezone: 'Europe/London',
        sendAt,
        recipients: [{ number: '447733200001' }, { number: '447733200002' }],
      },
    });
    expect(res.statusCode).toBe(201);
    await redis.hset(`${stack.prefix}:campaign:bad-window`, 'window', '99:99-99:99');
    const job = await waitFor(
      'the split job to fail',
      async () => {
        const j = await stack.server.ctx.queues.campaigns.getJob(jobIds.campaign('bad-window'));
        return j?.failedReason ? j : undefined;
      },
      30_000,
    );
    expect(job.failedReason).toContain('cannot be read (window)');
    expect([...stack.sim.ledger.entries()].filter((e) => e.content === content)).toHaveLength(0);

    const listed = (await get('/v1/campaigns')).json<{ campaigns: CampaignInfo[] }>().campaigns.find((c) => c.campaignId === 'bad-window');
    expect(listed?.damaged).toEqual(['window']);
    const cancelled = await stack.server.app.inject({ method: 'POST', url: '/v1/campaigns/bad-window/cancel', headers: BEARER });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json<CampaignInfo>().counts).toMatchObject({ cancelled: 2, pending: 0 });
    expect([...stack.sim.ledger.entries()].filter((e) => e.content === content)).toHaveLength(0);
  }, 60_000);
});

describe('delivery reports', () => {
  it('refuses a report dated 1e20 (counted as invalid, not stored); a bad stored report never breaks the export', async () => {
    const [a, b, c] = await sentCampaign('dlr-range', 3);
    const report = (r: RecipientResult, timestamp: number) => ({ msgid: r.msgId, mobile: r.number, status: 0, reason: '0', timestamp });
    const pushed = await post(`/v1/delivery-reports/${DLR_TOKEN}`, [report(a, 1e20), report(b, 1_764_000_000_000)]);
    expect(pushed.statusCode).toBe(200);
    expect(pushed.json()).toMatchObject({
      received: 2,
      matched: 1,
      invalid: [{ index: 0, reason: expect.stringContaining('out of range') }],
    });

    // Written straight into Redis: a report stored before the check, and one that is not JSON at all.
    await redis.hset(`${stack.prefix}:campaign:dlr-range:batch:0:dlr`, { '0': JSON.stringify(['d', 1e20, '0', '']), '2': 'not json' });
    const results = await get('/v1/campaigns/dlr-range/results');
    expect(results.statusCode).toBe(200);
    const lines = ndjson<RecipientResult>(results.body);
    expect(lines.map((l) => l.number)).toEqual([a.number, b.number, c.number]);
    expect(lines[0]).toMatchObject({ delivery: 'delivered' });
    expect(lines[0].reportedAt).toBeUndefined();
    expect(lines[1]).toMatchObject({ delivery: 'delivered', reportedAt: new Date(1_764_000_000_000).toISOString() });
    expect(lines[2]).toMatchObject({ delivery: 'pending' });
    const csv = await get('/v1/campaigns/dlr-range/results', { accept: 'text/csv' });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.trim().split('\n')).toHaveLength(4);

    const cli = await runSmsq(['results', 'dlr-range'], stack.env);
    expect(cli.code).toBe(0);
    expect(cli.stdout.trim().split('\n')).toHaveLength(4);
  }, 120_000);
});

describe('reply pushes', () => {
  const push = (body: unknown) => post(`/v1/replies/${REPLY_TOKEN}`, body);
  const stored = async () => ndjson<{ number: string; content: string; receivedAt: string }>((await get('/v1/replies')).body);

  it('refuses a body of more than 100 replies whole, storing nothing', async () => {
    const res = await push(Array.from({ length: 101 }, (_, i) => ({ number: String(447_700_800_000 + i), content: 'hi' })));
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('BAD_REQUEST');
    expect(res.json().error.message).toContain('101 replies in one body; the limit is 100');
    expect(await stored()).toEqual([]);
  });

  it('keeps numbers normalised and refuses, by index, a reply that is no phone number, over 4096 characters or dated in 2255', async () => {
    const res = await push([
      { number: '+44 7700 900123', content: 'STOP please' },
      { number: 'abc', content: 'x' },
      { number: '447700900124', content: 'x'.repeat(100_000) },
      { number: '447700900125', content: 'late', timestamp: 9_000_000_000_000 },
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ received: number; replies: unknown[]; invalid: Array<{ index: number; reason: string }> }>();
    expect(body.received).toBe(4);
    expect(body.replies).toHaveLength(1);
    expect(body.invalid.map((i) => i.index)).toEqual([1, 2, 3]);
    expect(body.invalid[1].reason).toBe('content has 100000 characters; the limit is 4096');
    expect(body.invalid[2].reason).toContain('out of range');
    const replies = await stored();
    expect(replies.map((r) => r.number)).toEqual(['447700900123']);
  });

  it('lists a stored reply whose time is no date, with the time it was stored', async () => {
    const id = await redis.xadd(`${stack.prefix}:replies`, '*', 'n', '447700900126', 'c', 'hello', 't', '1e20', 's', '', 'src', 'push');
    const res = await get('/v1/replies');
    expect(res.statusCode).toBe(200);
    const reply = ndjson<{ number: string; receivedAt: string }>(res.body).find((r) => r.number === '447700900126');
    expect(reply?.receivedAt).toBe(new Date(Number(id!.split('-')[0])).toISOString());
    expect((await get('/v1/replies', { accept: 'text/csv' })).statusCode).toBe(200);
  });
});

describe('the suppression list', () => {
  it('lists an entry whose time is no date', async () => {
    await redis.hset(`${stack.prefix}:supp:0127`, '447700900127', 'manual|operator|1e20');
    const res = await get('/v1/suppressions');
    expect(res.statusCode).toBe(200);
    expect(ndjson<{ number: string }>(res.body).map((e) => e.number)).toContain('447700900127');
    expect((await get('/v1/suppressions', { accept: 'text/csv' })).statusCode).toBe(200);
  });
});
