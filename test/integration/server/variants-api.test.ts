/**
 * A/B variants through the HTTP API: a JSON body's `variants` and `winnerBy`, a CSV upload's `variant` query
 * parameter repeated once per text, the dry run's price of each, and a bad list refused with 422 naming the field.
 * The gateway's ledger says which text each number got; the campaign's `variants` and the results agree with it.
 */
import type { CampaignInfo, RecipientResult } from '../../../src/shared/types';
import { useCampaignStack } from '../../support/campaigns';
import { waitFor } from '../../support/env';
import { BEARER, errorCode } from '../../support/server';
import { ledgerTexts as ledgerTextsOf } from '../../support/ledger-texts';

const stack = useCampaignStack('api-variants', { app: 'inject', workers: 1 });

let nextNumber = 447_714_500_000;
const numbers = (n: number) => Array.from({ length: n }, () => String(nextNumber++));

function post(payload: unknown, url = '/v1/campaigns') {
  const json = typeof payload !== 'string';
  return stack.server.app.inject({
    method: 'POST',
    url,
    headers: { ...BEARER, 'content-type': json ? 'application/json' : 'text/csv' },
    payload: json ? JSON.stringify(payload) : payload,
  });
}
const get = (url: string) => stack.server.app.inject({ method: 'GET', url, headers: BEARER });

async function completed(id: string): Promise<CampaignInfo> {
  return waitFor(`campaign ${id} to complete`, async () => {
    const info = (await get(`/v1/campaigns/${id}`)).json<CampaignInfo>();
    return info.counts.pending === 0 && info.state === 'completed' ? info : undefined;
  });
}

const ledgerTexts = (list: string[]) => ledgerTextsOf(stack.sim.ledger, list);

async function results(id: string): Promise<RecipientResult[]> {
  const res = await get(`/v1/campaigns/${id}/results`);
  expect(res.statusCode).toBe(200);
  return res.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RecipientResult);
}

/** Every number got one text; the loser's text only its share of the canary; results name each one's text. */
async function expectSplit(info: CampaignInfo, list: string[], textOf: (variant: number, number: string) => string): Promise<void> {
  const v = info.variants!;
  expect(v.figures).toHaveLength(v.texts.length);
  expect(v.figures!.reduce((sum, f) => sum + f.recipients, 0)).toBe(info.canary!.size);
  const texts = ledgerTexts(list);
  expect(texts.size).toBe(list.length);
  const byVariant = new Map<string, number>();
  for (const r of await results(info.campaignId)) {
    expect(r.variant).toMatch(/^[AB]$/);
    byVariant.set(r.variant!, (byVariant.get(r.variant!) ?? 0) + 1);
    expect(texts.get(r.number)).toBe(textOf(r.variant!.charCodeAt(0) - 65, r.number));
  }
  const loser = 1 - v.winner!;
  expect(byVariant.get('AB'[loser])).toBe(v.figures![loser].recipients);
  expect(byVariant.get('AB'[v.winner!])).toBe(list.length - v.figures![loser].recipients);
}

it('queues a JSON campaign with variants and winnerBy: the canary gets both texts, the rest the winner', async () => {
  const list = numbers(120);
  const A = 'Spring sale: 20% off today';
  const B = 'Our spring sale starts today';
  const res = await post({
    campaignId: 'variants-json',
    variants: [A, B],
    winnerBy: 'delivered',
    canary: 40,
    canaryHold: 0,
    recipients: list.map((number) => ({ number })),
  });
  expect(res.statusCode).toBe(201);
  const info = await completed('variants-json');
  expect(info.counts).toMatchObject({ total: 120, sent: 120 });
  expect(info.variants).toMatchObject({ texts: [A, B], winnerBy: 'delivered' });
  expect([0, 1]).toContain(info.variants!.winner);
  expect(info.variants!.figures!.map((f) => f.recipients)).toEqual([20, 20]);
  await expectSplit(info, list, (k) => [A, B][k]);
});

it('queues a CSV upload with the variant parameter repeated, each text rendered from its row; a dry run prices each', async () => {
  const list = numbers(60);
  const csv = `number,name\n${list.map((n, i) => `${n},Ana${i}`).join('\n')}\n`;
  const A = 'Hi {{name}}, spring sale today';
  const B = 'Hello {{name}}, our spring sale starts now';
  const query = `variant=${encodeURIComponent(A)}&variant=${encodeURIComponent(B)}&winnerBy=delivered&canary=20&canaryHold=0`;

  const dry = await post(csv, `/v1/campaigns?dryRun=true&${query}`);
  expect(dry.statusCode).toBe(200);
  const preview = dry.json<{ segments: number; variants: Array<{ variant: string; content: string; segments: number }> }>();
  expect(preview.variants.map((v) => [v.variant, v.content, v.segments])).toEqual([
    ['A', A, 60],
    ['B', B, 60],
  ]);
  // Nothing queued by the dry run.
  expect(ledgerTexts(list).size).toBe(0);

  const res = await post(csv, `/v1/campaigns?campaignId=variants-csv&${query}`);
  expect(res.statusCode).toBe(201);
  const info = await completed('variants-csv');
  expect(info.variants).toMatchObject({ texts: [A, B], winnerBy: 'delivered' });
  const nameOf = new Map(list.map((n, i) => [n, `Ana${i}`]));
  await expectSplit(info, list, (k, number) => [A, B][k].replace('{{name}}', nameOf.get(number)!));
});

describe('a bad list of variants: 422 VALIDATION_FAILED naming the field, nothing queued', () => {
  const recipients = () => numbers(5).map((number) => ({ number }));
  it.each([
    ['six texts', { variants: ['a', 'b', 'c', 'd', 'e', 'f'] }, /variants: must be a list of 2 to 5 texts/],
    ['a number in the list', { variants: ['Hi', 5] }, /variants\[1\]: variant B: content must be a string/],
    ['a text too long', { variants: ['Hi', 'x'.repeat(1025)] }, /variants\[1\]: variant B: .*1025 characters; the limit is 1024/],
    ['an empty text', { variants: ['', 'Hi'] }, /variants\[0\]: variant A: /],
    ['variants and content', { variants: ['Hi', 'Ho'], content: 'Hey' }, /content: give content or variants, not both/],
    ['no canary', { variants: ['Hi', 'Ho'], canary: undefined }, /variants: are tried on a canary/],
    ['a measure that is none', { variants: ['Hi', 'Ho'], winnerBy: 'opens' }, /winnerBy: must be one of delivered, clicks, replies/],
    ['clicks without tracked links', { variants: ['Hi', 'Ho'], winnerBy: 'clicks' }, /winnerBy: clicks needs trackLinks/],
  ])('%s', async (_what, fields, message) => {
    const res = await post({ canary: 2, recipients: recipients(), ...fields });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(message) });
  });

  it('in the query string too: a variant given once, or seven times', async () => {
    const csv = `${numbers(3).join('\n')}\n`;
    const once = await post(csv, '/v1/campaigns?variant=Hi&canary=1');
    expect(once.statusCode).toBe(422);
    expect(once.json().error.message).toMatch(/variants: must be a list of 2 to 5 texts/);
    const seven = await post(csv, `/v1/campaigns?${Array.from({ length: 7 }, (_, i) => `variant=t${i}`).join('&')}&canary=1`);
    expect(seven.statusCode).toBe(422);
    expect(seven.json().error.message).toMatch(/variants: must be a list of 2 to 5 texts/);
    const measure = await post(csv, '/v1/campaigns?variant=Hi&variant=Ho&canary=1&winnerBy=opens');
    expect(measure.statusCode).toBe(422);
    expect(measure.json().error.message).toMatch(/winnerBy: must be one of/);
  });

  it('a list of the wrong shape is a 400, as for any field', async () => {
    const res = await post({ variants: 'Hi', canary: 2, recipients: recipients() });
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('BAD_REQUEST');
    expect(res.json().error.details.problems).toEqual([expect.objectContaining({ path: '/variants' })]);
  });
});

it('publishes variants, winnerBy and the variant parameter in the OpenAPI document, and variants on CampaignInfo, Preview and RecipientResult', async () => {
  const doc = (await get('/openapi.json')).json<{
    paths: Record<string, { post: { parameters: Array<{ name: string; schema: object; explode?: boolean }>; requestBody: unknown } }>;
    components: { schemas: Record<string, { properties: Record<string, unknown> }> };
  }>();
  const post = doc.paths['/v1/campaigns'].post;
  const body = (post.requestBody as { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> })
    .content['application/json'].schema;
  expect(body.required).toEqual(['recipients']);
  expect(body.properties.variants).toMatchObject({ type: 'array', minItems: 2, maxItems: 5, items: { type: 'string', maxLength: 1024 } });
  expect(body.properties.winnerBy).toMatchObject({ type: 'string', enum: ['delivered', 'clicks', 'replies'] });
  expect(post.parameters.find((p) => p.name === 'variant')).toMatchObject({ explode: true, schema: { type: 'array', maxItems: 5 } });
  expect(doc.components.schemas.CampaignInfo.properties.variants).toMatchObject({ required: ['texts', 'winnerBy'] });
  expect(doc.components.schemas.Preview.properties).toHaveProperty('variants');
  expect(doc.components.schemas.RecipientResult.properties).toHaveProperty('variant');
});
