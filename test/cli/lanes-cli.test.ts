import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CampaignInfo } from '../../src/shared/types';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { BEARER } from '../support/server';

/** Lanes as a user meets them: `smsq enqueue --priority/--max-rate`, `smsq pause|resume ID`, and the same in the API. */
const cli = useCampaignStack('lanes-cli', { producer: false, dir: true });

it('queues with --priority and --max-rate, pauses one campaign with a reason and resumes it (no worker running)', async () => {
  const file = path.join(cli.dir, 'list.csv');
  await writeFile(file, '447712000001\n447712000002\n');
  const enq = await runSmsq(['enqueue', file, '--content', 'urgent', '--priority', 'high', '--max-rate', '5'], cli.env);
  expect(enq.code).toBe(0);
  const id = enq.stdout.trim();

  const status = await runSmsq(['status', id, '--json'], cli.env);
  expect(JSON.parse(status.stdout) as CampaignInfo).toMatchObject({ priority: 'high', maxRate: 5, state: 'queued' });

  const paused = await runSmsq(['pause', id, '--reason', 'wrong link in the text'], cli.env);
  expect(paused.code).toBe(0);
  expect(paused.stdout).toContain(`campaign ${id}: paused`);
  expect(paused.stdout).toMatch(/paused by operator at \d{4}-\d\d-\d\dT[\d:.]+Z: wrong link in the text/);
  expect(paused.stdout).toContain('priority high  max rate 5/s');

  const resumed = await runSmsq(['resume', id], cli.env);
  expect(resumed.code).toBe(0);
  expect(resumed.stdout).toContain(`campaign ${id}: running`);
  expect(resumed.stdout).not.toContain('paused by');
});

it('refuses a bad --priority or --max-rate with exit 2, and queues nothing', async () => {
  const file = path.join(cli.dir, 'bad.csv');
  await writeFile(file, '447712000003\n');
  const bad = await runSmsq(['enqueue', file, '--content', 'x', '--priority', 'urgent'], cli.env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--priority must be one of high, normal, low, not "urgent"');
  expect(bad.stdout).toBe('');
  const rate = await runSmsq(['enqueue', file, '--content', 'x', '--max-rate', 'fast'], cli.env);
  expect(rate.code).toBe(2);
  expect(rate.stderr).toContain('--max-rate must be a positive number');
});

describe('HTTP API', () => {
  const stack = useCampaignStack('lanes-api', { app: 'inject', workers: 1 });

  const post = (url: string, payload?: unknown) =>
    stack.server.app.inject({
      method: 'POST',
      url,
      headers: { ...BEARER, ...(payload ? { 'content-type': 'application/json' } : {}) },
      payload: payload ? JSON.stringify(payload) : undefined,
    });

  it('takes priority and maxRate in the JSON body and in the query string of a streamed list, and pauses and resumes a campaign', async () => {
    const json = await post('/v1/campaigns', {
      campaignId: 'api-low',
      content: 'Hi',
      priority: 'low',
      maxRate: 2.5,
      recipients: [{ number: '447712000010' }],
    });
    expect(json.statusCode).toBe(201);
    const streamed = await stack.server.app.inject({
      method: 'POST',
      url: '/v1/campaigns?campaignId=api-high&content=Hi&priority=high&maxRate=50',
      headers: { ...BEARER, 'content-type': 'text/csv' },
      payload: '447712000011\n',
    });
    expect(streamed.statusCode).toBe(201);
    const get = async (id: string) =>
      (await stack.server.app.inject({ method: 'GET', url: `/v1/campaigns/${id}`, headers: BEARER })).json<CampaignInfo>();
    expect(await get('api-low')).toMatchObject({ priority: 'low', maxRate: 2.5 });
    expect(await get('api-high')).toMatchObject({ priority: 'high', maxRate: 50 });

    const bad = await post('/v1/campaigns', { content: 'Hi', priority: 'urgent', recipients: [{ number: '447712000012' }] });
    expect(bad.statusCode).toBe(400);

    // The whole queue held first, so that the campaign cannot end before it is paused on its own.
    expect((await post('/v1/queue/pause')).statusCode).toBe(200);
    const big = await post('/v1/campaigns', {
      campaignId: 'api-pause',
      content: 'Hi',
      recipients: Array.from({ length: 50 }, (_, i) => ({ number: String(447712000100 + i) })),
    });
    expect(big.statusCode).toBe(201);
    const paused = await post('/v1/campaigns/api-pause/pause', { reason: 'hold on' });
    expect(paused.statusCode).toBe(200);
    expect((await post('/v1/queue/resume')).statusCode).toBe(200);
    const info = await get('api-pause');
    expect(info.state).toBe('paused');
    expect(info.paused).toMatchObject({ by: 'operator', reason: 'hold on' });
    const resumed = await post('/v1/campaigns/api-pause/resume');
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json<CampaignInfo>().paused).toBeUndefined();
    expect((await post('/v1/campaigns/nope/pause')).statusCode).toBe(404);
  });
});
