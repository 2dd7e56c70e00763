import fc from 'fast-check';
import { Readable } from 'node:stream';
import { readRecipients } from '../../../src/producer/read-recipients';
import { RecipientValidator } from '../../../src/producer/validate';
import { chunked, collect } from '../../support/streams';
import { FC_SEED } from '../../support/fc-seed';

/** Recipients as a caller writes them: digits, maybe an orderId with quotes, spaces, emoji, but no comma. */
const recipient = fc.record(
  {
    number: fc.stringMatching(/^[1-9][0-9]{5,14}$/),
    orderId: fc
      .string({ unit: fc.constantFrom('a', 'Z', '7', '"', ' ', '-', 'é', '😀', '\u0301'), minLength: 1, maxLength: 12 })
      .filter((s) => s.trim() === s && s.trim() !== ''),
  },
  { requiredKeys: ['number'] },
);

const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;

/** One CSV rendering: every field quoted or not (quoted when it must be), any line ending, BOM, header, blank lines. */
const csvFile = fc.record({
  rows: fc.array(recipient, { minLength: 1, maxLength: 40 }),
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  bom: fc.boolean(),
  header: fc.boolean(),
  quoteAll: fc.boolean(),
  blankEvery: fc.integer({ min: 0, max: 5 }),
  chunk: fc.integer({ min: 1, max: 64 }),
});

describe('reading recipient files, for any file a user could write', () => {
  it('reads back every CSV row, its number and orderId, with its line number', async () => {
    await fc.assert(
      fc.asyncProperty(csvFile, async ({ rows, eol, bom, header, quoteAll, blankEvery, chunk }) => {
        const lines: string[] = header ? ['number,orderId'] : [];
        const expected: Array<{ row: number; input: { number: string; orderId?: string } }> = [];
        rows.forEach((r, i) => {
          if (blankEvery > 0 && i % blankEvery === 0) lines.push('');
          const id = r.orderId === undefined ? '' : quoteAll || /["\s]/.test(r.orderId) ? quote(r.orderId) : r.orderId;
          lines.push(`${quoteAll ? quote(r.number) : r.number}${r.orderId === undefined ? '' : `,${id}`}`);
          expected.push({
            row: lines.length,
            input: r.orderId === undefined ? { number: r.number } : { number: r.number, orderId: r.orderId },
          });
        });
        const text = `${bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
        const got = await collect(readRecipients(chunked(text, chunk), 'csv'));
        expect(got).toEqual(expected);
      }),
      { seed: FC_SEED, numRuns: 150 },
    );
  });

  it('reads back every NDJSON row, whatever the chunking and line endings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recipient, { minLength: 1, maxLength: 40 }),
        fc.constantFrom('\n', '\r\n'),
        fc.integer({ min: 1, max: 64 }),
        async (rows, eol, chunk) => {
          const text = rows.map((r) => JSON.stringify(r)).join(eol) + eol;
          const got = await collect(readRecipients(chunked(text, chunk), 'ndjson'));
          expect(got).toEqual(rows.map((r, i) => ({ row: i + 1, input: r })));
        },
      ),
      { seed: FC_SEED, numRuns: 150 },
    );
  });

  it('never throws on arbitrary bytes in NDJSON: every line is a row or a named problem', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const rows = await collect(readRecipients(Readable.from([Buffer.from(bytes)]), 'ndjson'));
        for (const r of rows) {
          expect(r.row).toBeGreaterThan(0);
          if ('problem' in r) expect(r.problem.reason.length).toBeGreaterThan(0);
        }
      }),
      { seed: FC_SEED },
    );
  });

  it('reports a 10 MB line as one problem and reads the rows after it', async () => {
    const huge = `{"number":"${'1'.repeat(10 * 1024 * 1024)}"}`;
    const rows = await collect(
      readRecipients(Readable.from([`{"number":"447700900001"}\n`, huge, '\n{"number":"447700900002"}\n']), 'ndjson'),
    );
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatchObject({ row: 2, problem: { reason: expect.stringContaining('longer than') } });
    expect(rows[2]).toEqual({ row: 3, input: { number: '447700900002' } });
  });

  it('counts a million copies of one number as one recipient and the rest as duplicates', () => {
    const v = new RecipientValidator();
    for (let row = 1; row <= 1_000_000; row++) v.check(row, { number: '+44 7700 900123' });
    expect([v.accepted, v.duplicates, v.invalid]).toEqual([1, 999_999, 0]);
  });
});
