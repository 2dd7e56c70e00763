import { Readable } from 'node:stream';
import { readRecipients, type RawRow } from '../../../src/producer/read-recipients';
import { SmsqError } from '../../../src/shared/errors';
import { chunked, collect } from '../../support/streams';

/** Reads the text whole and in 1- and 3-byte chunks (every line split), and checks that all read the same. */
async function read(text: string, content?: string): Promise<RawRow[]> {
  const whole = await collect(readRecipients(Readable.from([Buffer.from(text)]), 'csv', { content }));
  for (const size of [1, 3]) expect(await collect(readRecipients(chunked(text, size), 'csv', { content }))).toEqual(whole);
  return whole;
}

/** The error reading the text throws, and the rows yielded before it (none: a header is refused before any row). */
async function refused(text: string, content?: string): Promise<SmsqError> {
  const rows: RawRow[] = [];
  const error = await (async () => {
    for await (const row of readRecipients(chunked(text, 5), 'csv', { content })) rows.push(row);
  })().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(rows).toEqual([]);
  expect(error).toBeInstanceOf(SmsqError);
  expect((error as SmsqError).code).toBe('CSV_HEADER_INVALID');
  return error as SmsqError;
}

describe('a CSV header: columns taken by name only', () => {
  it('reads a second column named name as a field, never as the orderId', async () => {
    expect(await read('number,name\n491701111111,Ana\n491702222222,\n')).toEqual([
      { row: 2, input: { number: '491701111111', fields: { name: 'Ana' } } },
      { row: 3, input: { number: '491702222222', fields: {} } },
    ]);
  });

  it('finds the number, orderId and timezone columns wherever they are, by any of their names and in any case', async () => {
    expect(await read('name,Phone Number,Order ID,time_zone\nAna,491701111111,a-1,Europe/Berlin\n')).toEqual([
      { row: 2, input: { number: '491701111111', orderId: 'a-1', timezone: 'Europe/Berlin', fields: { name: 'Ana' } } },
    ]);
    expect(await read('MSISDN,ORDERID\n491701111111,a-1\n')).toEqual([{ row: 2, input: { number: '491701111111', orderId: 'a-1' } }]);
  });

  it('refuses a value in a column the header does not name, as a bad row', async () => {
    expect(await read('number\n491701111111,a-1\n')).toEqual([
      { row: 2, problem: { row: 2, value: '491701111111,a-1', reason: 'found 2 columns; the header names 1' } },
    ]);
  });

  it.each([
    ['number,number', 'the number column is named twice ("number" in column 1, "number" in column 2)'],
    ['number,phone', 'the number column is named twice ("number" in column 1, "phone" in column 2)'],
    ['orderId,orderId', 'the orderId column is named twice ("orderId" in column 1, "orderId" in column 2)'],
    ['number,name,Name', 'the column "Name" is named twice ("name" in column 2, "Name" in column 3)'],
  ])('refuses %j, a column named twice, naming the columns the file has', async (header, problem) => {
    const err = await refused(`${header}\n491701111111,a,b\n`);
    const columns = header.split(',');
    expect(err.message).toBe(
      `line 1: the CSV header is refused: ${problem}. The file's columns are: ${columns.map((c) => `"${c}"`).join(', ')}`,
    );
    expect(err.details).toEqual({ line: 1, columns });
  });

  it('refuses a header without a number column, even when the first line is quoted (csv-parse reads it)', async () => {
    for (const header of ['name,city', '"name","city"']) {
      const err = await refused(`\n${header}\n491701111111,Berlin\n`);
      expect(err.message).toBe(
        'line 2: the CSV header is refused: no column is the number: name it number (or phone, phone number, mobile, msisdn), any case. ' +
          'The file\'s columns are: "name", "city"',
      );
    }
  });

  it('refuses a header that lacks a column the template needs, and takes one it only uses with a fallback', async () => {
    const err = await refused('number,Name\n491701111111,Ana\n', 'Hi {{name}}');
    expect(err.message).toBe(
      'line 1: the CSV header is refused: the content uses {{name}} without a fallback, and no column is named "name" ' +
        '(field names are case-sensitive). The file\'s columns are: "number", "Name"',
    );
    expect(await read('number\n491701111111\n', 'Hi {{name|there}}')).toEqual([{ row: 2, input: { number: '491701111111' } }]);
  });

  it('refuses a file without a header when the template needs a field, once rather than on every row', async () => {
    const err = await refused('491701111111\n491702222222\n', 'Hi {{name}}, {{city|here}}');
    expect(err.message).toBe(
      'line 1: the content uses {{name}} without a fallback, so the file needs a header row naming its columns ' +
        '(such as number,name); its first line is a recipient, not a header',
    );
  });

  it('shows long and many column names cut short', async () => {
    const header = ['name', ...Array.from({ length: 40 }, (_, i) => `${'c'.repeat(50)}${'x'.repeat(i)}`)];
    const err = await refused(`${header.join(',')}\n`);
    expect(err.message).toContain(`"${'c'.repeat(40)}…"`);
    expect(err.message).toMatch(/ and 11 more$/);
    expect(err.details?.columns).toHaveLength(30);
  });
});
