import IORedis from 'ioredis';
import { CSV_HEADER } from '../../../src/shared/batch/results-csv';
import type { CampaignInfo } from '../../../src/shared/types';
import { useCampaignStack } from '../../support/campaigns';
import { REDIS_URL, waitFor } from '../../support/env';
import { BEARER, errorCode } from '../../support/server';

const stack = useCampaignStack('api-campaigns', { app: 'inject', workers: 1 });

let nextNumber = 447_711_000_000;
const numbers = (n: number) => Array.from({ length: n }, () => String(nextNumber++));

function post(payload: unknown, headers: Record<string, string> = {}, url = '/v1/campaigns') {
  const json = typeof payload !== 'string';
  return stack.server.app.inject({
    method: 'POST',
    url,
    headers: { ...BEARER, 'content-type': json ? 'application/json' : 'text/csv', ...headers },
    payload: json ? JSON.stringify(payload) : payload,
  });
}
const get = (url: string, headers: Record<string, string> = {}) =>
  stack.server.app.inject({ method: 'GET', url, headers: { ...BEARER, ...headers } });

async function finished(id: string): Promise<CampaignInfo> {
  return waitFor(`campaign ${id} to complete`, async () => {
    const info = (await get(`/v1/campaigns/${id}`)).json<CampaignInfo>();
    return info.counts.pending === 0 && info.state === 'completed' ? info : undefined;
  });
}

describe('POST /v1/campaigns', () => {
  it('queues a JSON campaign with 201, its counts and a Location, and sends it', async () => {
    const res = await post({
      campaignId: 'json-1',
      content: 'Hello',
      senderId: 'SHOP',
      recipients: numbers(3).map((number, i) => ({ number, orderId: `o-${i}` })),
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe('/v1/campaigns/json-1');
    expect(res.json()).toMatchObject({ campaignId: 'json-1', created: true, total: 3, batches: 1, duplicatesSkipped: 0 });
    expect((await finished('json-1')).counts).toMatchObject({ sent: 3, failed: 0 });
  });

  it('answers 200 with created false for the same campaign again, and sends nothing twice', async () => {
    const body = { campaignId: 'twice', content: 'Once only', recipients: numbers(2).map((number) => ({ number })) };
    expect((await post(body)).statusCode).toBe(201);
    const again = await post(body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: false, total: 2 });
    await finished('twice');
    for (const { number } of body.recipients) expect(stack.sim.ledger.countFor(number)).toBe(1);
  });

  it('refuses a campaign id already used with a different body: 409 CAMPAIGN_CONFLICT', async () => {
    await post({ campaignId: 'conflict', content: 'First', recipients: [{ number: numbers(1)[0] }] });
    const res = await post({ campaignId: 'conflict', content: 'Second', recipients: [{ number: numbers(1)[0] }] });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('CAMPAIGN_CONFLICT');
  });

  it('answers 409 CAMPAIGN_BUSY with Retry-After while another producer queues the same id', async () => {
    const redis = new IORedis(REDIS_URL);
    await redis.set(`${stack.prefix}:campaign:busy:staging`, 'another-producer', 'PX', 10_000);
    redis.disconnect();
    const res = await post({ campaignId: 'busy', content: 'Hi', recipients: [{ number: numbers(1)[0] }] });
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('CAMPAIGN_BUSY');
    expect(res.headers['retry-after']).toBe('1');
  });

  it('lists the bad rows with 422 VALIDATION_FAILED and queues nothing', async () => {
    const res = await post({
      campaignId: 'bad-rows',
      content: 'Hi',
      recipients: [{ number: numbers(1)[0] }, { number: '12' }, { number: numbers(1)[0], orderID: 'typo' }],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { invalidCount: 2 } });
    expect(res.json().error.details.rows.map((r: { row: number }) => r.row)).toEqual([2, 3]);
    expect(errorCode(await get('/v1/campaigns/bad-rows'))).toBe('CAMPAIGN_NOT_FOUND');
  });

  it('queues the valid rows and lists the others when skipInvalid is set', async () => {
    const res = await post({ content: 'Hi', skipInvalid: true, recipients: [{ number: numbers(1)[0] }, { number: 'nope' }] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ total: 1, invalidSkipped: 1, invalidRows: [{ row: 2 }] });
  });

  it('refuses a campaign without recipients: 422 CAMPAIGN_EMPTY', async () => {
    const res = await post({ content: 'Hi', recipients: [] });
    expect(res.statusCode).toBe(422);
    expect(errorCode(res)).toBe('CAMPAIGN_EMPTY');
  });

  it('reads a streamed CSV body with the fields in the query string', async () => {
    const csv = `number,orderId\r\n${numbers(1500)
      .map((n, i) => `${n},csv-${i}`)
      .join('\r\n')}\r\n`;
    const res = await post(csv, {}, '/v1/campaigns?campaignId=csv-1&content=Hello%20%F0%9F%91%8B&senderId=SHOP');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ campaignId: 'csv-1', total: 1500, batches: 2 });
    expect((await get('/v1/campaigns/csv-1')).json()).toMatchObject({ content: 'Hello 👋', senderId: 'SHOP' });
  });

  it('reads a streamed NDJSON body and names the bad line', async () => {
    const [a, b] = numbers(2);
    const ndjson = `{"number":"${a}","orderId":"n-1"}\n{"number":"${b}"\n`;
    const res = await post(ndjson, { 'content-type': 'application/x-ndjson' }, '/v1/campaigns?content=Hi');
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.rows).toEqual([{ row: 2, value: `{"number":"${b}"`, reason: 'line is not valid JSON' }]);
  });
});

describe('reading and cancelling campaigns', () => {
  it('gives state and counts, and 404 CAMPAIGN_NOT_FOUND for an unknown id', async () => {
    await post({ campaignId: 'status-1', content: 'Hi', recipients: [{ number: numbers(1)[0] }] });
    expect((await get('/v1/campaigns/status-1')).json()).toMatchObject({ campaignId: 'status-1', counts: { total: 1 } });
    const res = await get('/v1/campaigns/never-queued');
    expect(res.statusCode).toBe(404);
    expect(errorCode(res)).toBe('CAMPAIGN_NOT_FOUND');
  });

  it('streams results as NDJSON by default and as CSV for Accept: text/csv', async () => {
    const list = numbers(1200).map((number, i) => ({ number, orderId: `r-${i}` }));
    await post({ campaignId: 'results-1', content: 'Hi', recipients: list });
    await finished('results-1');
    const ndjson = await get('/v1/campaigns/results-1/results');
    expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = ndjson.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1200);
    expect(lines[0]).toMatchObject({ number: list[0].number, orderId: 'r-0', status: 'sent' });
    expect(stack.sim.ledger.byMsgId(lines[1199].msgId)).toMatchObject({ orderId: 'r-1199' });
    const csv = await get('/v1/campaigns/results-1/results', { accept: 'text/csv' });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.body.trim().split('\n');
    expect(rows[0]).toBe(CSV_HEADER);
    expect(rows[0]).toMatch(/^number,orderId,status,msgId,code,reason,delivery,/);
    // No delivery report came (the simulator pushes none by default): sent, delivery pending, through the one account;
    // no tracked links, so no clicks; no A/B variants, so no variant.
    expect(rows[1]).toBe(`${list[0].number},r-0,sent,${lines[0].msgId},,,pending,,,,,,default,,,`);
    expect(rows).toHaveLength(1201);
    expect(errorCode(await get('/v1/campaigns/never-queued/results'))).toBe('CAMPAIGN_NOT_FOUND');
  });

  it('cancels a campaign, again without harm, and refuses to cancel an ended one with 409 CAMPAIGN_FINISHED', async () => {
    const cancel = (id: string) => stack.server.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/cancel`, headers: BEARER });
    expect((await stack.server.app.inject({ method: 'POST', url: '/v1/queue/pause', headers: BEARER })).statusCode).toBe(200);
    await post({ campaignId: 'cancel-1', content: 'Hi', recipients: numbers(10).map((number) => ({ number })) });
    const res = await cancel('cancel-1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ state: 'cancelled' });
    expect((await cancel('cancel-1')).statusCode).toBe(200);
    await stack.server.app.inject({ method: 'POST', url: '/v1/queue/resume', headers: BEARER });
    await waitFor('cancelled recipients settled', async () =>
      (await get('/v1/campaigns/cancel-1')).json().counts.cancelled === 10 ? true : undefined,
    );

    const ended = await cancel('json-1');
    expect(ended.statusCode).toBe(409);
    expect(errorCode(ended)).toBe('CAMPAIGN_FINISHED');
    expect(errorCode(await cancel('never-queued'))).toBe('CAMPAIGN_NOT_FOUND');
  });
});
