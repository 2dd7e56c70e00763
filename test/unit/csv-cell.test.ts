import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvCell, csvNumberCell } from '../../src/shared/text/csv-cell';

const FORMULA_START = ['=', '+', '-', '@', '\t', '\r'];
const SEED = 20_261_207;

describe('csvCell: one cell of every CSV smsq writes', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['+1+cmd|/C calc', "'+1+cmd|/C calc"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    ['a=1', 'a=1'],
    ['Stop, "please"', '"Stop, ""please"""'],
    ['', ''],
  ])('writes %j as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('leaves a phone number as it is, E.164 plus included, and neutralises anything else in a number column', () => {
    expect(csvNumberCell('+447700900123')).toBe('+447700900123');
    expect(csvNumberCell('447700900123')).toBe('447700900123');
    expect(csvNumberCell('+44=1+2')).toBe("'+44=1+2");
    expect(csvNumberCell('-1')).toBe("'-1");
  });

  it('reads back, for any text, as the text itself or the text behind a quote mark, and never as a formula', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', "'", 'a', '1', ' ', 'é') }), {
          minLength: 1,
          maxLength: 5,
        }),
        (values) => {
          const [read] = parse(`${values.map(csvCell).join(',')}\n`, { relax_quotes: false, record_delimiter: '\n' });
          expect(read).toHaveLength(values.length);
          read.forEach((cell, i) => {
            expect(FORMULA_START.includes(cell.charAt(0))).toBe(false);
            expect(cell === values[i] || cell === `'${values[i]}`).toBe(true);
          });
        },
      ),
      { seed: SEED, numRuns: 2_000 },
    );
  });
});
