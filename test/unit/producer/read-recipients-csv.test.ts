import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { formatFromPath, readRecipients, type RawRow } from '../../../src/producer/read-recipients';
import { SmsqError } from '../../../src/shared/errors';
import { chunked, collect, readAllWays } from '../../support/streams';

const read = (text: string | Buffer) => readAllWays(text, 'csv');

async function readError(text: string): Promise<SmsqError> {
  const error = await collect(readRecipients(chunked(text, 4), 'csv')).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(SmsqError);
  return error as SmsqError;
}

describe('formatFromPath', () => {
  it.each([
    ['list.csv', 'csv'],
    ['/data/LIST.TXT', 'csv'],
    ['a.b/recipients.ndjson', 'ndjson'],
    ['recipients.JSONL', 'ndjson'],
    ['recipients.json', null],
    ['recipients', null],
    ['csv', null],
  ])('reads %j as %j', (path, format) => {
    expect(formatFromPath(path)).toBe(format);
  });
});

describe('readRecipients, CSV', () => {
  it('reads number and optional orderId, numbering rows by file line', async () => {
    expect(await read('491701111111,a-1\n491702222222\n491703333333,\n')).toEqual<RawRow[]>([
      { row: 1, input: { number: '491701111111', orderId: 'a-1' } },
      { row: 2, input: { number: '491702222222' } },
      { row: 3, input: { number: '491703333333' } },
    ]);
  });

  it('skips a header, so the first recipient is on line 2', async () => {
    expect(await read('number,orderId\n491701111111,a\n')).toEqual([{ row: 2, input: { number: '491701111111', orderId: 'a' } }]);
    expect(await read('"Phone Number",ref\n491701111111\n')).toEqual([{ row: 2, input: { number: '491701111111', fields: {} } }]);
  });

  it('reads a first line with any digit as a recipient, not a header', async () => {
    expect(await read('+49 170 1111111,a\n491702222222\n')).toEqual([
      { row: 1, input: { number: '+49 170 1111111', orderId: 'a' } },
      { row: 2, input: { number: '491702222222' } },
    ]);
    expect((await read('number1,x\n'))[0]).toEqual({ row: 1, input: { number: 'number1', orderId: 'x' } });
  });

  it('treats only the first record as a possible header', async () => {
    expect(await read('491701111111\nnumber\n')).toEqual([
      { row: 1, input: { number: '491701111111' } },
      { row: 2, input: { number: 'number' } },
    ]);
  });

  it('accepts a byte order mark, before a header or a recipient', async () => {
    expect(await read('\uFEFFnumber\n491701111111\n')).toEqual([{ row: 2, input: { number: '491701111111' } }]);
    expect(await read('\uFEFF491701111111\n')).toEqual([{ row: 1, input: { number: '491701111111' } }]);
  });

  it('accepts CRLF, LF and CR line endings, even mixed, and a last line without one', async () => {
    expect(await read('number,orderId\r\n491701111111,a\r\n491702222222\n491703333333\r491704444444')).toEqual([
      { row: 2, input: { number: '491701111111', orderId: 'a' } },
      { row: 3, input: { number: '491702222222' } },
      { row: 4, input: { number: '491703333333' } },
      { row: 5, input: { number: '491704444444' } },
    ]);
  });

  it('skips empty and blank lines but still counts them', async () => {
    expect(await read('\n\nnumber\r\n\r\n491701111111\n   \n\t\n491702222222\n\n')).toEqual([
      { row: 5, input: { number: '491701111111' } },
      { row: 8, input: { number: '491702222222' } },
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, a record numbered by its first line', async () => {
    const text =
      '"+49 (170) 111-1111","a,""b"""\r\n' + '"491702222222","multi\r\nline\r\n"\r\n' + '\r\n' + '491703333333,"x\ny"\n' + '491704444444\n';
    expect(await read(text)).toEqual([
      { row: 1, input: { number: '+49 (170) 111-1111', orderId: 'a,"b"' } },
      { row: 2, input: { number: '491702222222', orderId: 'multi\r\nline\r\n' } },
      { row: 6, input: { number: '491703333333', orderId: 'x\ny' } },
      { row: 8, input: { number: '491704444444' } },
    ]);
  });

  it('trims spaces around unquoted fields and keeps them inside quotes', async () => {
    expect(await read(' 491701111111 ,  a b  \n491702222222, " c "\n')).toEqual([
      { row: 1, input: { number: '491701111111', orderId: 'a b' } },
      { row: 2, input: { number: '491702222222', orderId: ' c ' } },
    ]);
  });

  it('reports a record with extra columns as a problem and goes on', async () => {
    expect(await read('491701111111,a,Alice\n491702222222,b\n')).toEqual([
      {
        row: 1,
        problem: {
          row: 1,
          value: '491701111111,a,Alice',
          reason: 'expected number[,orderId], found 3 columns (name the columns in a header row to use them as template fields)',
        },
      },
      { row: 2, input: { number: '491702222222', orderId: 'b' } },
    ]);
  });

  it('decodes characters split between chunks, and invalid UTF-8 as U+FFFD', async () => {
    const bytes = Buffer.concat([Buffer.from('491701111111,Bestellung-Ü-😀\n4917022'), Buffer.from([0xff]), Buffer.from('22222,b\n')]);
    expect(await read(bytes)).toEqual([
      { row: 1, input: { number: '491701111111', orderId: 'Bestellung-Ü-😀' } },
      { row: 2, input: { number: '4917022\uFFFD22222', orderId: 'b' } },
    ]);
  });

  it('refuses a quote that is never closed, naming the line where its record starts', async () => {
    const error = await readError('491701111111\n\n"491702222222,a\n491703333333\n');
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect(error.message).toBe('line 3: a quoted field is never closed; check for a stray " in this record');
    expect(error.details).toEqual({ line: 3 });
  });

  it('refuses text after a closing quote and a quote inside an unquoted field', async () => {
    const afterClosing = await readError('491701111111\r\n"4917"02222222\r\n');
    expect(afterClosing.message).toMatch(/^line 2: a quoted field goes on after its closing quote/);
    const inUnquoted = await readError('491701111111\n4917"02222222\n');
    expect(inUnquoted.message).toMatch(/^line 2: a " appears inside an unquoted field/);
  });

  it('refuses a record longer than 64 KiB instead of buffering it', async () => {
    const error = await readError(`491701111111\n"${'x'.repeat(70_000)}"\n491702222222\n`);
    expect(error.message).toBe('line 2: the record is longer than 65536 bytes');
  });

  it('destroys the input when the reader stops early', async () => {
    const input = Readable.from(['491701111111\n491702222222\n', '491703333333\n']);
    for await (const row of readRecipients(input, 'csv')) {
      expect(row.row).toBe(1);
      break;
    }
    await finished(input).catch(() => undefined); // destroyed early: a premature close is the point
    expect(input.destroyed).toBe(true);
  });
});

describe('readRecipients, CSV with template fields', () => {
  it('names fields after the header, finds the orderId column by name, and leaves empty cells out', async () => {
    expect(await read('number,name,orderId,day\n491701111111,Ana,a-1,\n491702222222,"Bo, Jr.",,Monday\n')).toEqual([
      { row: 2, input: { number: '491701111111', orderId: 'a-1', fields: { name: 'Ana' } } },
      { row: 3, input: { number: '491702222222', fields: { name: 'Bo, Jr.', day: 'Monday' } } },
    ]);
  });

  it('refuses a row with more columns than the header names', async () => {
    expect(await read('number,name,order\n491701111111,Ana,1,extra\n')).toEqual([
      { row: 2, problem: { row: 2, value: '491701111111,Ana,1,extra', reason: 'found 4 columns; the header names 3' } },
    ]);
  });
});
