/**
 * Tracked links through POST /v1/campaigns: `trackLinks` in a JSON body, or `trackLinks=true` in the query string of
 * a CSV upload, sends every recipient a short link of its own, charged as the dry run counted; a click followed over
 * HTTP shows in the campaign's `links` and in its results, NDJSON and CSV.
 */
import { parse } from 'csv-parse/sync';
import type { CampaignJson } from '../../../src/shared/campaign/json';
import type { RecipientResult } from '../../../src/shared/types';
import { useCampaignStack } from '../../support/campaigns';
import { waitFor } from '../../support/env';
import { followLink } from '../../support/links';
import { BEARER, errorCode } from '../../support/server';

const BASE = 'https://s.example.com';
const stack = useCampaignStack('api-track-links', { app: 'listen', env: { LINK_BASE_URL: BASE }, workers: 1 });

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15';
const SHORT = /https:\/\/s\.example\.com\/([0-9A-Za-z]{9})/g;
const CONTENT = 'Hello {{name}}, the parcel {{order}} is out for delivery, see https://parcels.example/track/{{order}}?lang=en&ref=sms.';
const link = (order: string) => `https://parcels.example/track/${order}?lang=en&ref=sms`;

interface Row {
  number: string;
  orderId: string;
  name: string;
  order: string;
}

/** Recipients whose names make texts of one and two segments, with their links long and short. */
function rows(n: number, first: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    number: String(first + i),
    orderId: `o${first + i}`,
    name: 'Sam'.repeat(1 + (i % 41)),
    order: `P-${70_000 + i}`,
  }));
}

const toCsv = (list: Row[]) =>
  `number,orderId,name,order\n${list.map((r) => `${r.number},${r.orderId},${r.name},${r.order}`).join('\n')}\n`;
const toJson = (list: Row[]) => list.map((r) => ({ number: r.number, orderId: r.orderId, fields: { name: r.name, order: r.order } }));

type Body = 'JSON' | 'CSV';

/** POST /v1/campaigns with the campaign as a JSON body, or as a CSV upload with its fields in the query string. */
function post(body: Body, campaign: Record<string, string | boolean>, list: Row[], dryRun = false) {
  if (body === 'JSON')
    return stack.server.app.inject({
      method: 'POST',
      url: `/v1/campaigns${dryRun ? '?dryRun=true' : ''}`,
      headers: BEARER,
      payload: { ...campaign, recipients: toJson(list) },
    });
  const query = new URLSearchParams(
    Object.entries({ ...campaign, ...(dryRun ? { dryRun: true } : {}) }).map(([k, v]): [string, string] => [k, String(v)]),
  );
  return stack.server.app.inject({
    method: 'POST',
    url: `/v1/campaigns?${query}`,
    headers: { ...BEARER, 'content-type': 'text/csv' },
    payload: toCsv(list),
  });
}

const get = (url: string, headers: Record<string, string> = {}) =>
  stack.server.app.inject({ method: 'GET', url, headers: { ...BEARER, ...headers } });

/** Follows a short link on the listening server as a browser would: its status and Location. */
const follow = async (code: string) => {
  const { status, location } = await followLink(stack.url, code, { userAgent: CHROME });
  return { status, location };
};

it.each<[Body, number]>([
  ['JSON', 447_766_100_000],
  ['CSV', 447_766_200_000],
])(
  'sends short links from a %s campaign with trackLinks, charged as the dry run counted, and results carry the click',
  async (body, first) => {
    const list = rows(300, first);
    const campaignId = `tracked-${body.toLowerCase()}`;
    const campaign = { campaignId, content: CONTENT, trackLinks: true };
    const preview = await post(body, campaign, list, true);
    expect(preview.statusCode).toBe(200);
    const { segments, samples } = preview.json<{ segments: number; samples: Array<{ text: string }> }>();
    expect(samples[0].text).toBe(`Hello ${list[0].name}, the parcel ${list[0].order} is out for delivery, see ${BASE}/xxxxxxxxx.`);

    expect((await post(body, campaign, list)).statusCode).toBe(201);
    await waitFor(
      `campaign ${campaignId} to complete`,
      async () => {
        const info = (await get(`/v1/campaigns/${campaignId}`)).json<CampaignJson>();
        return info.state === 'completed' && info.counts.pending === 0 ? info : undefined;
      },
      60_000,
    );

    const codes = new Map<string, Row>();
    let charged = 0;
    for (const r of list) {
      const sent = stack.sim.ledger.byOrderId(r.orderId);
      expect(sent).toHaveLength(1);
      const found = [...sent[0].content.matchAll(SHORT)].map((m) => m[1]);
      expect(found).toHaveLength(1);
      expect(sent[0].content).toBe(`Hello ${r.name}, the parcel ${r.order} is out for delivery, see ${BASE}/${found[0]}.`);
      codes.set(found[0], r);
      charged += sent[0].chargeCnt;
    }
    expect(codes.size).toBe(list.length);
    expect(charged).toBe(segments);

    const [code, clicked] = [...codes.entries()][list.length - 3];
    expect(await follow(code)).toEqual({ status: 302, location: link(clicked.order) });

    const info = (await get(`/v1/campaigns/${campaignId}`)).json<CampaignJson>();
    expect(info.links).toEqual({ baseUrl: BASE, clicks: 1, clickers: 1, clickRate: 1 / list.length, previews: 0 });
    const ndjson = (await get(`/v1/campaigns/${campaignId}/results`)).body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as RecipientResult);
    const csv = parse<Record<string, string>>((await get(`/v1/campaigns/${campaignId}/results`, { accept: 'text/csv' })).body, {
      columns: true,
    });
    expect(ndjson.map((r) => r.orderId)).toEqual(list.map((r) => r.orderId));
    expect(csv.map((r) => r.orderId)).toEqual(list.map((r) => r.orderId));
    for (const [i, r] of list.entries()) {
      if (r === clicked) {
        expect(ndjson[i]).toMatchObject({ clicks: 1, firstClickAt: expect.any(String) });
        expect(csv[i]).toMatchObject({ clicks: '1', firstClickAt: ndjson[i].firstClickAt });
      } else {
        expect(ndjson[i].clicks).toBe(0);
        expect(ndjson[i].firstClickAt).toBeUndefined();
        expect([csv[i].clicks, csv[i].firstClickAt]).toEqual(['0', '']);
      }
    }
  },
);

it('refuses a trackLinks that is not a boolean, naming the field, and queues nothing', async () => {
  const list = rows(2, 447_766_300_000);
  const json = await post('JSON', { campaignId: 'bad-json', content: CONTENT, trackLinks: 'yes' }, list);
  expect(json.statusCode).toBe(400);
  expect(errorCode(json)).toBe('BAD_REQUEST');
  expect(json.json<{ error: { message: string } }>().error.message).toContain('trackLinks');
  const csv = await post('CSV', { campaignId: 'bad-csv', content: CONTENT, trackLinks: 'yes' }, list);
  expect(csv.statusCode).toBe(400);
  expect(errorCode(csv)).toBe('BAD_REQUEST');
  expect(csv.json<{ error: { message: string } }>().error.message).toContain('trackLinks');
  for (const id of ['bad-json', 'bad-csv']) expect(errorCode(await get(`/v1/campaigns/${id}`))).toBe('CAMPAIGN_NOT_FOUND');
});
