/**
 * The fast path of a plain recipients file — lines split by PlainCsvLines, rows taken a chunk at a time by the
 * staging loop (rowBatches), orderIds checked in one pass when they are printable ASCII — must stage exactly what
 * the general path does: csv-parse reading every line, the loop awaiting each row, every check of an orderId made.
 * Same counts, same refusals (line, field, value, reason), same batches and digests, for files with what users write.
 */
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { readCsv, readRecipients, rowBatches, type RawRow } from '../../../src/producer/read-recipients';
import { stageRows, type StageOptions, type Staged } from '../../../src/producer/stage-rows';
import { checkOrderId, checkOrderIdFully, ORDER_ID_MAX_LENGTH } from '../../../src/producer/validate';
import type { SmsqError } from '../../../src/shared/errors';
import { fakeContext } from '../../support/fakes';
import { FC_SEED } from '../../support/fc-seed';

describe('checkOrderId', () => {
  it('answers as every check of an orderId does, for printable ASCII and what is not', () => {
    const unit = fc.constantFrom('a', 'Z', '0', '9', '-', '_', '!', '~', ' ', ',', '\t', '\x7f', 'é', '😀', '\ud800', '\u00a0', '\ufffd');
    const orderId = fc.oneof(
      fc.string({ unit, maxLength: 8 }),
      fc.string({ unit: fc.constantFrom('a', '1', '-'), minLength: ORDER_ID_MAX_LENGTH - 1, maxLength: ORDER_ID_MAX_LENGTH + 2 }),
      fc.string({ unit, maxLength: 4 }).map((s) => `smsq-${s}`),
      fc.string({ unit: 'binary', maxLength: 70 }),
    );
    fc.assert(
      fc.property(orderId, (id) => expect(checkOrderId(id)).toBe(checkOrderIdFully(id))),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });
});

/** Lines of a recipients file: numbers and orderIds as people write them, right and wrong, quoted now and then. */
const number = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.constantFrom(
      '447700900123',
      '447700900124',
      '+447700900123',
      '00447700900123',
      '+44 7700 900123',
      '44-7700-(900)-125',
      ' 447700900126 ',
      '\ufeff447700900127',
      '4477009001231234',
      '12345',
      '+',
      '44770090012x',
      '４４７７００９００１２８',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('"447700900129"', '"+44 7700, 900130"') },
);
const orderId = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('o1', 'o2', 'o3', 'o1', ' o4 ', 'smsq-9', 'Bestellung 7', 'é', 'a'.repeat(65), '') },
  { weight: 1, arbitrary: fc.constantFrom('"o,5"', '"o""6"', '"never closed') },
);
const line = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(number, orderId).map(([n, o]) => `${n},${o}`) },
  { weight: 4, arbitrary: number },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '447700900131,o7,extra', ',o8') },
);
const file = fc
  .tuple(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.boolean())
  .map(([lines, eol, header, bom]) => `${bom ? '\ufeff' : ''}${header ? `number,orderId${eol}` : ''}${lines.join(eol)}`);

/** The rows one at a time, as any other source gives them: the staging loop cannot take them a chunk at a time. */
async function* oneByOne(rows: AsyncIterable<RawRow>): AsyncGenerator<RawRow> {
  for await (const row of rows) yield row;
}

/** What a pass decides, or the error it ends with. */
const outcome = (pass: Promise<Staged>) =>
  pass.then(
    (s) => ({ ...s, texts: s.texts.encodings }),
    (err: SmsqError) => ({ code: err.code, message: err.message }),
  );

describe('a plain file staged by the fast path', () => {
  const { ctx } = fakeContext({ SMS_BATCH_SIZE: '3' });
  const opts = (skipInvalid: boolean): StageOptions => ({ content: 'Hello', dedupe: true, skipInvalid, countSuppressed: false });

  it('is taken a chunk at a time, until a row is taken from it one at a time', async () => {
    const rows = readRecipients(Readable.from([Buffer.from('447700900123\n447700900124\n')]), 'csv');
    expect(rowBatches(rows)).not.toBeNull();
    expect(rowBatches(oneByOne(rows))).toBeNull();
    await rows[Symbol.asyncIterator]().next();
    expect(rowBatches(rows)).toBeNull();
  });

  it('stages what csv-parse and the row-by-row loop stage: counts, refusals, batches and digests', async () => {
    await fc.assert(
      fc.asyncProperty(file, fc.boolean(), async (text, skipInvalid) => {
        const bytes = Buffer.from(text);
        const fast = await outcome(stageRows(ctx, readRecipients(Readable.from([bytes]), 'csv'), opts(skipInvalid)));
        const general = await outcome(
          stageRows(ctx, oneByOne(readCsv(Readable.from([bytes]), [], { csvParseOnly: true })), opts(skipInvalid)),
        );
        expect(fast).toEqual(general);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });

  it('refuses a second use of an orderId and skips a repeated number on the lines where they are', async () => {
    const text = '447700900123,o1\r\n\r\n+44 7700 900123,o2\r\n447700900124,o1\r\n';
    const staged = await stageRows(ctx, readRecipients(Readable.from([Buffer.from(text)]), 'csv'), opts(true));
    expect(staged).toMatchObject({ total: 1, duplicates: 1, invalidCount: 1 });
    expect(staged.problems).toEqual([{ row: 4, field: 'orderId', value: 'o1', reason: 'orderId o1 is already used on row 1' }]);
  });
});
