import fc from 'fast-check';
import { normalizeNumber } from '../../../src/producer/validate';
import { FC_SEED } from '../../support/fc-seed';

const SEPARATORS = [' ', '\u00a0', '\t', '\u3000', '-', '\u2010', '\u2013', '\u2014', '\u2212', '(', ')'];
const separator = fc.constantFrom(...SEPARATORS);

/** Inserts 0 to 2 separators before each character and at the end. */
function formatted(s: string): fc.Arbitrary<string> {
  const gaps = [...s].length + 1;
  return fc
    .array(
      fc.array(separator, { maxLength: 2 }).map((seps) => seps.join('')),
      { minLength: gaps, maxLength: gaps },
    )
    .map((fill) => [...s].map((ch, i) => fill[i] + ch).join('') + fill[gaps - 1]);
}

/** Any UTF-16 code unit, lone surrogates included, mixed with the characters the function cares about. */
const anyUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('0', '1', '9', '+', '０', ...SEPARATORS),
);

describe('normalizeNumber', () => {
  it('gives back the digits of any valid number, however it is spaced, dashed, bracketed and prefixed', () => {
    const written = fc
      .tuple(fc.stringMatching(/^[0-9]{6,15}$/), fc.constantFrom('', '+', '00'))
      // Without a prefix, digits starting with 00 would themselves be read as the international prefix.
      .filter(([digits, prefix]) => prefix !== '' || !digits.startsWith('00'))
      .chain(([digits, prefix]) => formatted(prefix + digits).map((text) => ({ digits, text })));
    fc.assert(
      fc.property(written, ({ digits, text }) => {
        expect(normalizeNumber(text)).toEqual({ ok: true, number: digits });
      }),
      { seed: FC_SEED },
    );
  });

  it('returns 6 to 15 ASCII digits or a reason, and never throws, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: anyUnit, maxLength: 40 }), (raw) => {
        const result = normalizeNumber(raw);
        if (result.ok) expect(result.number).toMatch(/^[0-9]{6,15}$/);
        else expect(result.reason).toMatch(/^number /);
      }),
      { seed: FC_SEED },
    );
  });

  it('answers the same whatever spaces, dashes and parentheses are added', () => {
    const pair = fc.string({ unit: anyUnit, maxLength: 30 }).chain((raw) => formatted(raw).map((more) => [raw, more]));
    fc.assert(
      fc.property(pair, ([raw, more]) => {
        expect(normalizeNumber(more)).toEqual(normalizeNumber(raw));
      }),
      { seed: FC_SEED },
    );
  });

  it('refuses digit strings of the wrong length, saying how many digits there are', () => {
    const wrongLength = fc.oneof(fc.stringMatching(/^[1-9][0-9]{0,4}$/), fc.stringMatching(/^[1-9][0-9]{15,30}$/));
    fc.assert(
      fc.property(wrongLength, (digits) => {
        expect(normalizeNumber(digits)).toEqual({
          ok: false,
          reason: `number has ${digits.length} digits; it needs 6 to 15`,
        });
      }),
      { seed: FC_SEED },
    );
  });

  it.each([
    ['+49 170 1234567', '491701234567'],
    ['0049 (170) 123-4567', '491701234567'],
    ['+1\u00a0(555)\u2009010\u20134567', '15550104567'],
    ['0170-1234567', '01701234567'],
    ['  123456  ', '123456'],
    ['123456789012345', '123456789012345'],
    ['+0049170123', '0049170123'],
    ['(+49) 170 123', '49170123'],
  ])('normalises %j to %j', (raw, digits) => {
    expect(normalizeNumber(raw)).toEqual({ ok: true, number: digits });
  });

  it.each([
    ['', 'number is empty'],
    [' \u00a0- ()', 'number is empty'],
    ['+', 'number has no digits'],
    ['00', 'number has no digits'],
    ['12345', 'number has 5 digits; it needs 6 to 15'],
    ['+1234567890123456', 'number has 16 digits; it needs 6 to 15'],
    ['49+1701234567', "number has a '+' that is not at the start"],
    ['++491701234567', "number has a '+' that is not at the start"],
    ['+49.170.1234567', "number has characters other than digits: '.'"],
    ['491701234567x', "number has characters other than digits: 'x'"],
    ['４９１７０１２３４５６７', "number has characters other than digits: '４' (U+FF14)"],
    ['4917012\u200b34567', 'number has characters other than digits: U+200B'],
    ['4917012\ud80034567', 'number has characters other than digits: U+D800'],
    ['4917012\u{1F600}', "number has characters other than digits: '\u{1F600}' (U+1F600)"],
  ])('refuses %j: %s', (raw, reason) => {
    expect(normalizeNumber(raw)).toEqual({ ok: false, reason });
  });
});
