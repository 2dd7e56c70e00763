/**
 * The campaign list: GET /v1/campaigns and `smsq list` page through 1,000 campaigns newest first, filter them,
 * and the index under them forgets campaigns whose records have expired.
 */
import { INDEX_MAX_AGE_RETENTIONS } from '../../../src/shared/campaign/list';
import { useCampaignStack } from '../../support/campaigns';
import { runSmsq } from '../../support/cli';
import { testRedis } from '../../support/env';
import { BEARER, errorCode } from '../../support/server';

// No simulator and no worker: the campaigns stay queued, which is all a list needs.
const stack = useCampaignStack('campaign-list', { simulator: false, app: 'inject' });
const redis = testRedis();
const ids: string[] = [];

interface Listed {
  campaignId: string;
  state: string;
  priority: string;
  createdAt: string;
}

beforeAll(async () => {
  // 1,000 campaigns, 4 at a time, so that many share a createdAt millisecond: ties must page right too.
  for (let i = 0; i < 1_000; i += 4) {
    const batch = [i, i + 1, i + 2, i + 3].map((k) => `list-${String(k).padStart(4, '0')}`);
    await Promise.all(
      batch.map((campaignId, j) =>
        stack.producer.enqueueCampaign({ campaignId, content: 'Hi', recipients: [{ number: String(447_733_000_000 + i + j) }] }),
      ),
    );
    ids.push(...batch);
  }
  for (const id of ids.slice(0, 30)) await stack.producer.cancelCampaign(id);
  // The lead's lanes (issue 10) write a campaign's priority in its hash; listed as `normal` where it is absent.
  for (const id of ids.slice(100, 110)) await redis.hset(`${stack.prefix}:campaign:${id}`, 'priority', 'high');
}, 120_000);

afterAll(() => redis.disconnect());

const get = (url: string) => stack.server.app.inject({ method: 'GET', url, headers: BEARER });

/** Every page of GET /v1/campaigns?query, in order. */
async function allPages(query: string): Promise<{ campaigns: Listed[]; pages: number }> {
  const campaigns: Listed[] = [];
  let pages = 0;
  let next: string | undefined;
  do {
    const res = await get(`/v1/campaigns?${query}${next ? `&cursor=${next}` : ''}`);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ campaigns: Listed[]; next?: string }>();
    campaigns.push(...body.campaigns);
    next = body.next;
    pages++;
  } while (next);
  return { campaigns, pages };
}

/** Newest first; campaigns created in the same millisecond by id, descending, as the index orders them. */
function newestFirst(list: Listed[]): string[] {
  return [...list]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (b.campaignId < a.campaignId ? -1 : 1))
    .map((c) => c.campaignId);
}

describe('GET /v1/campaigns', () => {
  it('pages through 1,000 campaigns newest first, each exactly once', async () => {
    const { campaigns, pages } = await allPages('limit=97');
    expect(pages).toBe(11);
    expect(campaigns).toHaveLength(1_000);
    expect(new Set(campaigns.map((c) => c.campaignId))).toEqual(new Set(ids));
    expect(campaigns.map((c) => c.campaignId)).toEqual(newestFirst(campaigns));
    expect(campaigns[0].createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('answers 50 a page by default, with a cursor to the next', async () => {
    const body = (await get('/v1/campaigns')).json<{ campaigns: Listed[]; next: string }>();
    expect(body.campaigns).toHaveLength(50);
    expect(typeof body.next).toBe('string');
  });

  it('filters by state and by priority', async () => {
    const cancelled = await allPages('state=cancelled&limit=7');
    expect(cancelled.campaigns.map((c) => c.campaignId).sort()).toEqual(ids.slice(0, 30));
    expect(cancelled.pages).toBe(5);
    const high = await allPages('priority=high');
    expect(high.campaigns.map((c) => c.campaignId).sort()).toEqual(ids.slice(100, 110));
    const queued = await allPages('state=queued&priority=normal&limit=500');
    expect(queued.campaigns).toHaveLength(1_000 - 30 - 10);
  });

  it('accepts every state a campaign can be shown in as a filter, scheduled and waiting-window too', async () => {
    for (const state of ['scheduled', 'waiting-window']) {
      const res = await get(`/v1/campaigns?state=${state}`);
      expect(res.statusCode).toBe(200);
      expect(res.json().campaigns).toEqual([]);
    }
  });

  it('filters by creation time', async () => {
    const all = (await allPages('limit=500')).campaigns;
    const since = all[199].createdAt;
    const { campaigns } = await allPages(`since=${encodeURIComponent(since)}&limit=500`);
    expect(campaigns.length).toBeGreaterThanOrEqual(200);
    expect(campaigns.every((c) => c.createdAt >= since)).toBe(true);
    expect(all.filter((c) => c.createdAt >= since)).toHaveLength(campaigns.length);
  });

  it('refuses a bad filter with 400 and names it', async () => {
    const bad = await get('/v1/campaigns?state=sleeping');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/state/);
    expect(errorCode(await get('/v1/campaigns?since=yesterday'))).toBe('BAD_REQUEST');
    expect(errorCode(await get('/v1/campaigns?limit=ten'))).toBe('BAD_REQUEST');
  });
});

describe('smsq list', () => {
  it('lists all 1,000 campaigns as NDJSON, newest first, page after page', async () => {
    const { code, stdout, stderr } = await runSmsq(['list', '--json'], stack.env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const listed = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Listed);
    expect(listed).toHaveLength(1_000);
    expect(new Set(listed.map((c) => c.campaignId))).toEqual(new Set(ids));
    expect(listed.map((c) => c.campaignId)).toEqual(newestFirst(listed));
  });

  it('shows a table, filtered by state', async () => {
    const { code, stdout } = await runSmsq(['list', '--state', 'cancelled'], stack.env);
    expect(code).toBe(0);
    const [header, ...rows] = stdout.trim().split('\n');
    expect(header).toMatch(/^CREATED\s+STATE\s+PRIORITY\s+PROGRESS/);
    expect(rows).toHaveLength(30);
    for (const row of rows) expect(row).toMatch(/ cancelled .* list-00[0-2]\d$/);
  });

  it('refuses a state that does not exist', async () => {
    const { code, stderr } = await runSmsq(['list', '--state', 'sleeping'], stack.env);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--state must be one of scheduled, queued, running, waiting-window, paused, completed, failed, cancelled/);
  });
});

describe('the index under the list', () => {
  it('drops a campaign whose record has expired when a listing meets it', async () => {
    const gone = ids[999];
    await redis.del(`${stack.prefix}:campaign:${gone}`);
    const first = (await get('/v1/campaigns?limit=3')).json<{ campaigns: Listed[] }>();
    expect(first.campaigns.map((c) => c.campaignId)).not.toContain(gone);
    expect(await redis.zscore(`${stack.prefix}:campaigns:by-created`, gone)).toBeNull();
  });

  it('forgets entries older than its age bound, and expires itself when nothing is queued for that long', async () => {
    const key = `${stack.prefix}:campaigns:by-created`;
    const maxAgeMs = stack.config.resultRetentionSeconds * 1000 * INDEX_MAX_AGE_RETENTIONS;
    await redis.zadd(key, Date.now() - maxAgeMs - 60_000, 'ancient');
    await stack.producer.enqueueCampaign({ campaignId: 'list-new', content: 'Hi', recipients: [{ number: '447733999999' }] });
    expect(await redis.zscore(key, 'ancient')).toBeNull();
    expect(await redis.zscore(key, 'list-new')).not.toBeNull();
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(maxAgeMs);
  });
});
