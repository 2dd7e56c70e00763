import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { readRecipients } from '../../src/producer/read-recipients';
import { SmsqError } from '../../src/shared/errors';
import type { RedisClient } from '../../src/shared/redis/connection';
import { useCampaignStack } from '../support/campaigns';
import { testRedis } from '../support/env';

const stack = useCampaignStack('templates', { simulator: false, dir: true });
let redis: RedisClient;
beforeAll(() => {
  redis = testRedis();
});
afterAll(() => redis.disconnect());

async function refusal(p: Promise<unknown>): Promise<SmsqError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SmsqError);
  return err as SmsqError;
}

const csvRows = (content: string, text: string) => readRecipients(Readable.from([text]), 'csv', { content });

it('refuses a recipient whose field is missing, naming the row and the field, and queues nothing', async () => {
  const content = 'Hi {{name}}, order {{order}} ships {{day|today}}';
  const err = await refusal(
    stack.producer.enqueueCampaign({
      campaignId: 'missing-field',
      content,
      rows: csvRows(content, 'number,name,order,day\n447700900001,Ana,4411,\n447700900002,,4412,Monday\n447700900003,Bo,,\n'),
    }),
  );
  expect(err.code).toBe('VALIDATION_FAILED');
  expect(err.details?.rows).toEqual([
    {
      row: 3,
      field: 'fields.name',
      value: 'name',
      reason: "field 'name' is missing or empty, and the content uses {{name}} without a fallback",
    },
    {
      row: 4,
      field: 'fields.order',
      value: 'order',
      reason: "field 'order' is missing or empty, and the content uses {{order}} without a fallback",
    },
  ]);
  expect(await redis.exists(`${stack.prefix}:campaign:missing-field`)).toBe(0);
  expect(await redis.exists(`${stack.prefix}:campaign:missing-field:batch:0`)).toBe(0);
});

it('refuses unknown placeholder syntax in the content, saying where', async () => {
  const err = await refusal(
    stack.producer.enqueueCampaign({ content: 'Hi {{name}, see you', recipients: [{ number: '447700900001', fields: { name: 'Ana' } }] }),
  );
  expect(err.code).toBe('VALIDATION_FAILED');
  expect(err.details?.fields).toEqual({ content: 'placeholder at character 4 is not closed with }}' });
});

it('refuses a text that is too long once rendered, naming the row', async () => {
  const err = await refusal(
    stack.producer.enqueueCampaign({
      content: `${'x'.repeat(1000)} {{note}}`,
      recipients: [
        { number: '447700900001', fields: { note: 'short' } },
        { number: '447700900002', fields: { note: 'y'.repeat(30) } },
      ],
    }),
  );
  expect(err.details?.rows).toEqual([
    expect.objectContaining({ row: 2, reason: 'text for this recipient has 1031 characters; the limit is 1024' }),
  ]);
});

it('refuses fields that are not text, and a fields value that is not an object', async () => {
  const err = await refusal(
    stack.producer.enqueueCampaign({
      content: 'Hi {{name}}',
      recipients: [
        { number: '447700900001', fields: { name: { first: 'Ana' } } },
        { number: '447700900002', fields: 'Ana' },
      ] as never,
    }),
  );
  expect(err.details?.rows).toEqual([
    { row: 1, field: 'fields.name', value: '{"first":"Ana"}', reason: "field 'name' must be text or a number" },
    { row: 2, field: 'fields', value: 'Ana', reason: 'fields must be an object of field names and values' },
  ]);
});

it('stores the template once and only the field values per recipient, never a rendered text', async () => {
  const content = 'Hi {{name}}, your code is {{code|none}}';
  const result = await stack.producer.enqueueCampaign({
    campaignId: 'stored-fields',
    content,
    recipients: [
      { number: '447700900001', orderId: 'a', fields: { name: 'Ana', code: 7, unused: 'x' } },
      { number: '447700900002', fields: { name: 'Bo' } },
    ],
  });
  expect(result).toMatchObject({ total: 2, texts: { segments: 2, encodings: { 'GSM-7': 2, 'UCS-2': 0 } } });
  expect(await redis.hget(`${stack.prefix}:campaign:stored-fields`, 'content')).toBe(content);
  expect(await redis.hget(`${stack.prefix}:campaign:stored-fields:batch:0`, 'r')).toBe('447700900001,a\tAna\t7\n447700900002,\x1e2\tBo\t');
  const texts = [];
  for await (const r of stack.producer.campaignResults('stored-fields', { withContent: true })) texts.push(r.content);
  expect(texts).toEqual(['Hi Ana, your code is 7', 'Hi Bo, your code is none']);
});

it('tells a repeat from a conflict by the fields too', async () => {
  const content = 'Hi {{name}}';
  const recipients = [{ number: '447700900001', fields: { name: 'Ana' } }];
  await stack.producer.enqueueCampaign({ campaignId: 'digest-fields', content, recipients });
  expect((await stack.producer.enqueueCampaign({ campaignId: 'digest-fields', content, recipients })).created).toBe(false);
  const err = await refusal(
    stack.producer.enqueueCampaign({
      campaignId: 'digest-fields',
      content,
      recipients: [{ number: '447700900001', fields: { name: 'Eve' } }],
    }),
  );
  expect(err.code).toBe('CAMPAIGN_CONFLICT');
});

it('takes a two-column file whose second column the template uses as a field, not an orderId', async () => {
  const content = 'Hi {{name}}';
  const result = await stack.producer.enqueueCampaign({
    campaignId: 'two-columns',
    content,
    rows: csvRows(content, 'number,name\n447700900001,Ana\n'),
  });
  expect(result.total).toBe(1);
  expect(await redis.hget(`${stack.prefix}:campaign:two-columns:batch:0`, 'r')).toBe('447700900001,\x1e2\tAna');
});

it('warns which characters force UCS-2 and what they cost', async () => {
  const content = 'It’s {{name}}’s turn: ' + 'x'.repeat(120);
  const recipients = Array.from({ length: 3 }, (_, i) => ({ number: `44770090100${i}`, fields: { name: `N${i}` } }));
  const smart = await stack.openProducer({ texts: { ...stack.config.texts, smartEncoding: false } });
  const unsmart = await smart.enqueueCampaign({ content, recipients });
  expect(unsmart.warnings).toEqual(['’ on 3 rows makes them UCS-2: 3 segments instead of 1']);
  expect(unsmart.texts).toMatchObject({ segments: 9, encodings: { 'UCS-2': 3, 'GSM-7': 0 } });
  // With smart encoding (the default) the same campaign is GSM-7, one segment each, and nothing to warn about.
  const result = await stack.producer.enqueueCampaign({ content, recipients });
  expect(result.warnings).toBeUndefined();
  expect(result.texts).toMatchObject({ segments: 3, encodings: { 'GSM-7': 3 } });
});

it('estimates with SMS_PRICES_FILE, finding each number’s country from its calling code', async () => {
  const file = path.join(stack.dir, 'prices.csv');
  await writeFile(file, 'country,price,currency\nGB,0.04,GBP\nUS,0.0079,USD\n1,0.0100,USD\n');
  const priced = await stack.openProducer({ texts: { ...stack.config.texts, pricePerSegment: undefined, pricesFile: file } });
  const preview = await priced.previewCampaign({
    content: `Hello ${'x'.repeat(160)}`, // 2 segments
    recipients: [
      { number: '+44 7700 900123' }, // a drama range: not a valid number, GB by its calling code
      { number: '+1 212 555 0123' }, // US
      { number: '+1 416 555 0123' }, // CA: priced by its calling code's row
      { number: '+33 6 12 34 56 78' }, // FR: no price
    ],
  });
  expect(preview).toMatchObject({
    segments: 8,
    estimatedCost: { GBP: '0.08', USD: '0.0358' },
    priceSource: `SMS_PRICES_FILE (${file})`,
    unpriced: 1,
  });
});
