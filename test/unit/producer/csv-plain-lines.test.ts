import { PlainCsvLines } from '../../../src/producer/csv-plain-lines';

/** A reader with a small line limit, and the records it reads as [line, ...fields]. */
function reader(maxLineBytes = 64) {
  const records: Array<[number, ...string[]]> = [];
  const lines = new PlainCsvLines(maxLineBytes, (fields, line) => records.push([line, ...fields]));
  return { lines, records };
}

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('PlainCsvLines', () => {
  it('reads plain lines itself: split at commas, fields trimmed, blank lines counted and skipped', () => {
    const { lines, records } = reader();
    expect(lines.push(Buffer.from('\ufeff number , name\r\n\r\n \t\u3000\n491701111111,Ana ,\n'))).toBeNull();
    expect(lines.end()).toBeNull();
    expect(records).toEqual([
      [1, 'number', 'name'],
      [4, '491701111111', 'Ana', ''],
    ]);
    expect(lines.lines).toBe(4);
  });

  it('keeps a line, and a character, split between chunks, and reads a last line without line ending', () => {
    const { lines, records } = reader();
    const text = Buffer.from('4917,Дарья\n4918,😀');
    for (let i = 0; i < text.length; i++) expect(lines.push(text.subarray(i, i + 1))).toBeNull();
    expect(records).toEqual([[1, '4917', 'Дарья']]);
    expect(lines.end()).toBeNull();
    expect(records).toEqual([
      [1, '4917', 'Дарья'],
      [2, '4918', '😀'],
    ]);
  });

  it.each([
    ['a quote', '"4919"\n4920\n'],
    ['a CR that ends no CRLF', '4919\r4920\n'],
    ['a line over the limit', `${'9'.repeat(65)}\n4920\n`],
  ])('hands over from the first byte of the first line with %s', (_, rest) => {
    const { lines, records } = reader();
    expect(lines.push(bytes('4917\r\n\n4918\n'))).toBeNull();
    expect(lines.push(bytes(`49${rest}`))?.toString('latin1')).toBe(`49${rest}`);
    expect(records).toEqual([
      [1, '4917'],
      [3, '4918'],
    ]);
    expect(lines.lines).toBe(3);
  });

  it('hands over within a chunk, and a last line with a quote at the end', () => {
    const { lines, records } = reader();
    expect(lines.push(bytes('4917\n4918\n4919,"a\nb"\n'))?.toString('latin1')).toBe('4919,"a\nb"\n');
    expect(records).toEqual([
      [1, '4917'],
      [2, '4918'],
    ]);
    const last = reader();
    expect(last.lines.push(bytes('4917\n"4918"'))).toBeNull();
    expect(last.lines.end()?.toString('latin1')).toBe('"4918"');
    expect(last.lines.lines).toBe(1);
  });

  it('hands over an unfinished line as soon as it is over the limit, without buffering the rest', () => {
    const { lines } = reader(64);
    expect(lines.push(bytes('4917\n'))).toBeNull();
    expect(lines.push(bytes('9'.repeat(60)))).toBeNull();
    expect(lines.push(bytes('9'.repeat(5)))?.toString('latin1')).toBe('9'.repeat(65));
  });

  it('hands over a file that starts with a UTF-16 BOM, which csv-parse reads as UTF-16', () => {
    const { lines, records } = reader();
    expect(lines.push(bytes('\xff\xfe4917\n'))?.toString('latin1')).toBe('\xff\xfe4917\n');
    expect([records, lines.lines]).toEqual([[], 0]);
  });
});
