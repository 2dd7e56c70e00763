import fc from 'fast-check';
import { Readable } from 'node:stream';
import { readCsv, type RawRow } from '../../../src/producer/read-recipients';
import { SmsqError } from '../../../src/shared/errors';

/**
 * The CSV reader reads plain lines itself and hands the rest to csv-parse from the first line that is not plain; it
 * must read every file exactly as csv-parse alone does. Files here mix what users write with what breaks parsers.
 */

/** Everything String.prototype.trim removes, and three look-alikes it keeps (zero-width space, NEL, Mongolian vowel separator). */
const space = fc.constantFrom(
  ' ',
  '\t',
  '\v',
  '\f',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
  '\u200b',
  '\u0085',
  '\u180e',
);
const pad = fc.array(space, { maxLength: 2 }).map((s) => Buffer.from(s.join('')));
/** Bytes that are not UTF-8: a lone continuation byte, a cut 2-, 3- and 4-byte sequence, bytes never used. */
const invalid = fc.constantFrom(...[[0x80], [0xc3], [0xe2, 0x80], [0xf0, 0x9f, 0x98], [0xff], [0xfe]].map((b) => Buffer.from(b)));
const piece = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .string({ unit: fc.constantFrom('4', '9', '1', '0', '+', ' ', '-', 'a', 'Z', 'é', 'Д', '😀', '\u0301'), maxLength: 14 })
      .map((s) => Buffer.from(s)),
  },
  { weight: 1, arbitrary: invalid },
);
const field = fc.tuple(pad, fc.array(piece, { maxLength: 3 }), pad).map(([a, b, c]) => Buffer.concat([a, ...b, c]));
const comma = Buffer.from(',');
const record = fc
  .array(field, { minLength: 1, maxLength: 5 })
  .map((fs) => Buffer.concat(fs.flatMap((f, i) => (i === 0 ? [f] : [comma, f]))));

const text = (s: string) => fc.constant(Buffer.from(s));
const header = fc
  .constantFrom('number', 'number,orderId', ' Phone , name ', 'number,name,orderId,day', 'msisdn,timezone', 'number,ref', 'Номер,имя')
  .map((s) => Buffer.from(s));
/** Quoted fields, right and wrong: csv-parse's to read from the first of them on. */
const quoted = fc
  .constantFrom(
    '"+49 (170) 111","a,""b"""',
    '491701111111,"multi\nline"',
    '"multi\r\nline",x',
    ' " spaced " ,b',
    '"4917"02',
    '4917"02',
    '"never closed',
    '"a"  ,b',
    'a,""',
  )
  .map((s) => Buffer.from(s));
/** Lines at csv-parse's max_record_size and past it, of one-byte and three-byte characters, or of short fields. */
const long = fc
  .tuple(fc.constantFrom(65_535, 65_536, 65_537, 70_000), fc.constantFrom('x', '€', 'x,'))
  .map(([bytes, unit]) => Buffer.from(unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)))).subarray(0, bytes));

const line = fc.oneof(
  { weight: 30, arbitrary: record },
  { weight: 4, arbitrary: text('') },
  { weight: 4, arbitrary: pad },
  { weight: 2, arbitrary: header },
  { weight: 2, arbitrary: quoted },
  { weight: 1, arbitrary: text('4917\r0222') },
  { weight: 1, arbitrary: text('\ufeff"491701111111"') },
  // A UTF-16 BOM that is not at the file's start.
  { weight: 1, arbitrary: fc.constant(Buffer.from('\xff\xfe,"491701111111"', 'latin1')) },
  { weight: 1, arbitrary: long },
);
const ending = fc.oneof(
  { weight: 8, arbitrary: fc.constant('\n') },
  { weight: 4, arbitrary: fc.constant('\r\n') },
  { weight: 1, arbitrary: fc.constant('\r') },
);
const bom = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.constant('\ufeff') },
  { weight: 1, arbitrary: fc.constant('\xff\xfe') },
);

const csvFile = fc
  .record({
    bom,
    lines: fc.array(fc.tuple(line, ending), { maxLength: 30 }),
    lastEnding: fc.boolean(),
  })
  .map(({ bom: b, lines, lastEnding }) => {
    const parts = [Buffer.from(b, b === '\ufeff' ? 'utf8' : 'latin1')];
    lines.forEach(([l, eol], i) => parts.push(l, i < lines.length - 1 || lastEnding ? Buffer.from(eol) : Buffer.alloc(0)));
    return Buffer.concat(parts);
  });

/** Chunk sizes, used in turn: from one byte (every character split) to more than a long line. */
const chunking = fc.oneof(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }), fc.constant([80_000]));

function chunks(bytes: Buffer, sizes: readonly number[]): Readable {
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    parts.push(bytes.subarray(at, at + size));
    at += size;
  }
  return Readable.from(parts);
}

interface Outcome {
  rows: RawRow[];
  error?: { code: string; message: string; details: unknown };
}

async function outcome(rows: AsyncIterable<RawRow>): Promise<Outcome> {
  const read: RawRow[] = [];
  try {
    for await (const row of rows) read.push(row);
    return { rows: read };
  } catch (err) {
    if (!(err instanceof SmsqError)) throw err;
    return { rows: read, error: { code: err.code, message: err.message, details: err.details } };
  }
}

describe('readCsv reads every file as csv-parse alone does', () => {
  it('yields the same rows and throws the same error, whatever the lines and the chunks', async () => {
    await fc.assert(
      fc.asyncProperty(csvFile, chunking, chunking, fc.constantFrom([], ['name'], ['ref']), async (file, fastChunks, refChunks, fields) => {
        const fast = await outcome(readCsv(chunks(file, fastChunks), fields));
        const reference = await outcome(readCsv(chunks(file, refChunks), fields, { csvParseOnly: true }));
        expect(fast.error).toEqual(reference.error);
        if (reference.error === undefined) {
          expect(fast.rows).toEqual(reference.rows);
        } else {
          // After an error csv-parse drops the records it had queued, so how many rows came first depends on timing.
          const n = Math.min(fast.rows.length, reference.rows.length);
          expect(fast.rows.slice(0, n)).toEqual(reference.rows.slice(0, n));
        }
      }),
      { seed: 20_261_129, numRuns: 600 },
    );
  });
});
