import { measureText, segmentCount, smartEncode } from '../../src/shared/text/encoding';

describe('encodings and segments', () => {
  it.each([
    ['a'.repeat(160), 'GSM-7', 1],
    ['a'.repeat(161), 'GSM-7', 2],
    ['a'.repeat(306), 'GSM-7', 2],
    ['a'.repeat(307), 'GSM-7', 3],
    ['€'.repeat(80), 'GSM-7', 1],
    ['€'.repeat(81), 'GSM-7', 2],
    ['^{}\\[~]|'.repeat(10), 'GSM-7', 1],
    ['ж'.repeat(70), 'UCS-2', 1],
    ['ж'.repeat(71), 'UCS-2', 2],
    ['ж'.repeat(134), 'UCS-2', 2],
    ['ж'.repeat(135), 'UCS-2', 3],
    ['😀'.repeat(35), 'UCS-2', 1],
    ['😀'.repeat(36), 'UCS-2', 2],
  ])('%#: counts %s… as %s in %d segment(s)', (text, encoding, segments) => {
    expect(measureText(text)).toMatchObject({ encoding, segments });
    expect(segmentCount(text)).toBe(segments);
  });

  it('counts segments alone exactly as the full measure does, over 20,000 random texts', () => {
    const alphabet = ['a', ' ', '€', '^', '{', 'é', 'Ç', 'ж', '’', '😀', '\n', '\f'];
    const SEED = 7;
    let seed = SEED;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      const length = Math.floor(random() * 400);
      // Mostly one character class per text, so that long GSM-7 and long UCS-2 texts both occur.
      const mixed = random() < 0.3;
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * (mixed ? alphabet.length : 4))];
      // The seed and the case's number in the comparison: a failure names them, and comes back the same.
      expect({ seed: SEED, n, text, segments: segmentCount(text) }).toEqual({ seed: SEED, n, text, segments: measureText(text).segments });
    }
  });

  it('names the characters that force UCS-2 and what the text would take without them', () => {
    const m = measureText(`It’s ${'a'.repeat(100)} don’t`);
    expect(m).toMatchObject({ encoding: 'UCS-2', segments: 2, nonGsm: ['’'], segmentsIfGsm: 1 });
  });
});

describe('smart encoding', () => {
  it('turns a curly-quote text into one GSM-7 segment', () => {
    const text = `“Don’t miss it” – our sale ends today… ${'x'.repeat(60)}`;
    expect(measureText(text)).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    const smart = smartEncode(text);
    expect(smart).toBe(`"Don't miss it" - our sale ends today... ${'x'.repeat(60)}`);
    expect(measureText(smart)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });

  it('replaces odd spaces, drops invisible characters and leaves other scripts alone', () => {
    expect(smartEncode('a\u00A0b\u202Fc\u200Bd\u00ADe')).toBe('a b cde');
    expect(smartEncode('Привет ’')).toBe("Привет '");
  });
});
