import { compileJsonTemplate, jsonText } from '../../src/shared/gateway/json-text';
import { parseTemplate, renderStored, type Template } from '../../src/shared/text/template';

function parsed(content: string): Template {
  const p = parseTemplate(content);
  if (!p.ok) throw new Error(p.reason);
  return p.template;
}

/** What a compiled template writes, read back as the gateway reads it. */
const readBack = (s: string) => JSON.parse(`"${s}"`) as string;

/** Characters that JSON escapes, or that need care in UTF-16, mixed with plain ones. */
const ALPHABET = [
  'a',
  'Z',
  ' ',
  '7',
  '"',
  '\\',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  'Д',
  '€',
  '😀',
  '\ud83d',
  '\ude00',
  '\u2028',
  '{',
  '}',
  '|',
];

function randomText(random: () => number, max: number): string {
  let s = '';
  const n = Math.floor(random() * max);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return s;
}

/** A small seeded generator (mulberry32): a failure names its seed and comes back the same. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('texts written as JSON (sendSms/batch bodies)', () => {
  it('escapes a text exactly as JSON.stringify does', () => {
    for (const s of ['', 'plain', 'a "quote"', 'back\\slash', 'line\nfeed', '\u0001', 'Привет', '😀', 'lone \ud83d', '\u2028']) {
      expect(`"${jsonText(s)}"`).toBe(JSON.stringify(s));
    }
  });

  it('renders every template and set of values to the text renderStored gives, over 5,000 random cases', () => {
    const SEED = 20261130;
    const random = seeded(SEED);
    for (let n = 0; n < 5_000; n++) {
      const fields = ['name', 'order', 'day'];
      let content = randomText(random, 6).replace(/[{}]/g, '');
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) {
        const field = fields[Math.floor(random() * fields.length)];
        const fallback = random() < 0.5 ? `|${randomText(random, 5).replace(/[{}|]/g, '')}` : '';
        content += `{{${field}${fallback}}}${randomText(random, 6).replace(/[{}]/g, '')}`;
      }
      const template = parsed(content);
      const values = template.fields.map(() => (random() < 0.2 ? '' : randomText(random, 8)));
      const written = compileJsonTemplate(template)(values);
      // The seed and the case's number in the comparison: a failure names them, and comes back the same.
      const expected = { seed: SEED, n, content, values, text: renderStored(template, values) };
      expect({ seed: SEED, n, content, values, text: readBack(written) }).toEqual(expected);
    }
  });

  it('writes equal texts alike, so that recipients with the same text share one element', () => {
    const render = compileJsonTemplate(parsed('Hi {{a}}{{b}}!'));
    expect(render(['x"y', 'z'])).toBe(render(['x', '"yz']));
  });
});
