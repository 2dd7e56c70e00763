import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { readRecipients, type RawRow } from '../../../src/producer/read-recipients';
import { chunked, collect, readAllWays } from '../../support/streams';

const read = (text: string | Buffer) => readAllWays(text, 'ndjson');

describe('readRecipients, NDJSON', () => {
  it('reads one JSON value per line, numbering rows by file line', async () => {
    expect(await read('{"number":"491701111111","orderId":"a"}\n{"number": "491702222222"}\n')).toEqual<RawRow[]>([
      { row: 1, input: { number: '491701111111', orderId: 'a' } },
      { row: 2, input: { number: '491702222222' } },
    ]);
  });

  it('leaves judging the value to the validator', async () => {
    expect(await read('"491701111111"\n{"number":491702222222,"name":"Al"}\n')).toEqual([
      { row: 1, input: '491701111111' },
      { row: 2, input: { number: 491702222222, name: 'Al' } },
    ]);
  });

  it('skips empty and blank lines but still counts them', async () => {
    expect(await read('\n  \t\n{"number":"491701111111"}\n\r\n\n{"number":"491702222222"}\n\n')).toEqual([
      { row: 3, input: { number: '491701111111' } },
      { row: 6, input: { number: '491702222222' } },
    ]);
  });

  it('accepts CRLF, a byte order mark on the first line and a last line without a newline', async () => {
    expect(await read('\uFEFF{"number":"491701111111"}\r\n{"number":"491702222222"}')).toEqual([
      { row: 1, input: { number: '491701111111' } },
      { row: 2, input: { number: '491702222222' } },
    ]);
  });

  it('reports a line that is not JSON as a problem and goes on', async () => {
    expect(await read(`{"number":"491701111111"\n{'number':'491702222222'}\n{"number":"491703333333"}\n`)).toEqual([
      { row: 1, problem: { row: 1, value: '{"number":"491701111111"', reason: 'line is not valid JSON' } },
      { row: 2, problem: { row: 2, value: "{'number':'491702222222'}", reason: 'line is not valid JSON' } },
      { row: 3, input: { number: '491703333333' } },
    ]);
  });

  it('decodes characters split between chunks, and invalid UTF-8 as U+FFFD', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"number":"491701111111","orderId":"Bestellung-Ü-😀"}\n{"number":"4917022'),
      Buffer.from([0xc3]), // a lead byte with no continuation
      Buffer.from('22222"}\n'),
    ]);
    expect(await read(bytes)).toEqual([
      { row: 1, input: { number: '491701111111', orderId: 'Bestellung-Ü-😀' } },
      { row: 2, input: { number: '4917022\uFFFD22222' } },
    ]);
  });

  it('reads a stream that gives strings as well as one that gives bytes', async () => {
    const input = Readable.from(['{"number":"4917', '01111111"}\n{"number":"491702222222"}\n']);
    expect(await collect(readRecipients(input, 'ndjson'))).toEqual([
      { row: 1, input: { number: '491701111111' } },
      { row: 2, input: { number: '491702222222' } },
    ]);
  });

  it('reports a line longer than 64 KiB as a problem, showing its start, and goes on', async () => {
    const long = `{"number":"491701111111","orderId":"${'x'.repeat(70_000)}"}`;
    const rows = await collect(readRecipients(chunked(`${long}\n{"number":"491702222222"}\n`, 1000), 'ndjson'));
    expect(rows).toEqual([
      { row: 1, problem: { row: 1, value: `${long.slice(0, 100)}…`, reason: 'line is longer than 65536 bytes' } },
      { row: 2, input: { number: '491702222222' } },
    ]);
  });

  it('accepts a line of exactly 64 KiB, with or without a CR before its newline', async () => {
    const prefix = '{"number":"491701111111","orderId":"';
    const line = `${prefix}${'x'.repeat(65_536 - prefix.length - 2)}"}`;
    expect(Buffer.byteLength(line)).toBe(65_536);
    for (const text of [`${line}\n`, `${line}\r\n`, line]) {
      const rows = await collect(readRecipients(chunked(text, 1000), 'ndjson'));
      expect(rows).toEqual([{ row: 1, input: JSON.parse(line) }]);
    }
    const rows = await collect(readRecipients(chunked(`${line} \n`, 1000), 'ndjson'));
    expect('problem' in rows[0] && rows[0].problem.reason).toBe('line is longer than 65536 bytes');
  });

  it('destroys the input when the reader stops early', async () => {
    const input = Readable.from(['{"number":"491701111111"}\n{"number":"491702222222"}\n']);
    for await (const row of readRecipients(input, 'ndjson')) {
      expect(row.row).toBe(1);
      break;
    }
    await finished(input).catch(() => undefined); // destroyed early: a premature close is the point
    expect(input.destroyed).toBe(true);
  });
});
