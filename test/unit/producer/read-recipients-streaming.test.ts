import { Readable } from 'node:stream';
import { readRecipients, type RecipientFormat } from '../../../src/producer/read-recipients';
import { collect, lazyLines } from '../../support/streams';

const ROWS = 100_000;
const number = (n: number) => `4917${String(n).padStart(8, '0')}`;
const lines: Record<RecipientFormat, (n: number) => string> = {
  csv: (n) => `${number(n)},o-${n}`,
  ndjson: (n) => JSON.stringify({ number: number(n), orderId: `o-${n}` }),
};

describe.each(['csv', 'ndjson'] as const)('readRecipients, %s, as a stream', (format) => {
  it(`yields all ${ROWS.toLocaleString('en')} rows in order, reading only a little ahead of the consumer`, async () => {
    const source = lazyLines(ROWS, lines[format]);
    let count = 0;
    let wrong = 0;
    let maxAhead = 0;
    for await (const row of readRecipients(source.stream, format)) {
      count++;
      const expected = { number: number(count), orderId: `o-${count}` };
      if (row.row !== count || !('input' in row) || JSON.stringify(row.input) !== JSON.stringify(expected)) wrong++;
      maxAhead = Math.max(maxAhead, source.made() - count);
    }
    expect({ count, wrong }).toEqual({ count: ROWS, wrong: 0 });
    // Stream buffers hold about 1,300 lines here, whatever the input's size.
    expect(maxAhead).toBeLessThan(5_000);
  });

  it('passes on a failure of the input stream as it is', async () => {
    const input = new Readable({
      read() {
        this.push(`${lines[format](1)}\n`);
        this.destroy(new Error('disk gone'));
      },
    });
    await expect(collect(readRecipients(input, format))).rejects.toThrow('disk gone');
  });
});
