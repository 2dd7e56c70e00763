import { parse } from 'csv-parse/sync';
import type { CampaignInfo } from '../../../src/shared/types';
import { useCampaignStack } from '../../support/campaigns';
import { keysMatching, testRedis, waitFor } from '../../support/env';
import { BEARER, errorCode } from '../../support/server';

/** A CSV upload's header through the API: columns by name, a bad header one 422; the CSV exports neutralised. */
const stack = useCampaignStack('api-csv-columns', { app: 'inject', workers: 1 });
const redis = testRedis();
afterAll(() => redis.quit());

const upload = (csv: string, query: string) =>
  stack.server.app.inject({
    method: 'POST',
    url: `/v1/campaigns?${query}`,
    headers: { ...BEARER, 'content-type': 'text/csv' },
    payload: csv,
  });
const get = (url: string, headers: Record<string, string> = {}) =>
  stack.server.app.inject({ method: 'GET', url, headers: { ...BEARER, ...headers } });
const csvRecords = (body: string) => parse<Record<string, string>>(body, { columns: true });

async function completed(id: string): Promise<void> {
  await waitFor(
    `campaign ${id} to complete`,
    async () => {
      const info = (await get(`/v1/campaigns/${id}`)).json<CampaignInfo>();
      return info.state === 'completed' && info.counts.pending === 0 ? info : undefined;
    },
    30_000,
  );
}

it("takes a number,name upload's name as the template field, generates the orderIds, and sends each its text", async () => {
  const res = await upload(
    'number,name\n447700920001,Ana\n447700920002,Bo\n',
    `campaignId=names&content=${encodeURIComponent('Hi {{name}}')}`,
  );
  expect(res.statusCode).toBe(201);
  await completed('names');
  const texts = new Map([...stack.sim.ledger.entries()].map((e) => [e.number, e.content]));
  expect([texts.get('447700920001'), texts.get('447700920002')]).toEqual(['Hi Ana', 'Hi Bo']);
  const results = csvRecords((await get('/v1/campaigns/names/results', { accept: 'text/csv' })).body);
  expect(results.map((r) => [r.number, r.orderId, r.status])).toEqual([
    ['447700920001', 'smsq-2', 'sent'],
    ['447700920002', 'smsq-3', 'sent'],
  ]);

  // Without a template the name column is still a field, never the orderId: two Anas are two recipients.
  expect((await upload('number,name\n447700920003,Ana\n447700920004,Ana\n', 'campaignId=plain&content=Hello')).statusCode).toBe(201);
  await completed('plain');
  expect(csvRecords((await get('/v1/campaigns/plain/results', { accept: 'text/csv' })).body).map((r) => r.orderId)).toEqual([
    'smsq-2',
    'smsq-3',
  ]);
});

it.each([
  ['number,number', 'the number column is named twice', '"number", "number"'],
  ['orderId,orderId', 'the orderId column is named twice', '"orderId", "orderId"'],
  ['name,city', 'no column is the number', '"name", "city"'],
])(
  'answers a %j header 422 CSV_HEADER_INVALID naming the columns, and creates nothing (dry run or not)',
  async (header, problem, columns) => {
    const before = new Set(await keysMatching(redis, `${stack.prefix}:*`));
    for (const query of ['campaignId=bad&content=Hi', 'campaignId=bad&content=Hi&dryRun=true']) {
      const res = await upload(`${header}\n447700920011,x\n`, query);
      expect(res.statusCode).toBe(422);
      expect(errorCode(res)).toBe('CSV_HEADER_INVALID');
      const { message, details } = res.json<{ error: { message: string; details: { columns: string[] } } }>().error;
      expect(message).toContain(problem);
      expect(message).toContain(`The file's columns are: ${columns}`);
      expect(details.columns).toEqual(header.split(','));
    }
    expect((await keysMatching(redis, `${stack.prefix}:*`)).filter((k) => !before.has(k))).toEqual([]);
  },
);

it('serves results and the suppression list with formula cells neutralised, and numbers as they are', async () => {
  const res = await upload('number,orderId\n447700920021,=1+2\n447700920022,@SUM(A1)\n', 'campaignId=formulas&content=Hi');
  expect(res.statusCode).toBe(201);
  await completed('formulas');
  const results = csvRecords((await get('/v1/campaigns/formulas/results', { accept: 'text/csv' })).body);
  expect(results.map((r) => [r.number, r.orderId])).toEqual([
    ['447700920021', "'=1+2"],
    ['447700920022', "'@SUM(A1)"],
  ]);

  const add = await stack.server.app.inject({
    method: 'POST',
    url: '/v1/suppressions',
    headers: BEARER,
    payload: { numbers: ['+447700920023'], reason: '-2+3' },
  });
  expect(add.statusCode).toBeLessThan(300);
  const list = csvRecords((await get('/v1/suppressions', { accept: 'text/csv' })).body);
  expect(list).toContainEqual(expect.objectContaining({ number: '447700920023', reason: "'-2+3" }));
});
