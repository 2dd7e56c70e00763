import fc from 'fast-check';
import {
  CODE_LENGTH,
  CODE_PATTERN,
  findLinks,
  newCode,
  replaceLinks,
  shortLink,
  withPreviewLinks,
} from '../../../src/shared/links/link-text';
import { measureText } from '../../../src/shared/text/encoding';

const urls = (text: string) => findLinks(text).map((s) => text.slice(s.start, s.end));

describe('finding the links of a text', () => {
  it.each<[string, string[]]>([
    ['Sale today: https://shop.example/sale', ['https://shop.example/sale']],
    ['See https://shop.example/a. Or http://x.example/b, then', ['https://shop.example/a', 'http://x.example/b']],
    ['(see https://shop.example/a) now!', ['https://shop.example/a']],
    ['Wiki https://en.example.org/wiki/Foo_(bar) ok', ['https://en.example.org/wiki/Foo_(bar)']],
    ['Quoted "https://q.example/x?y=1&z=2"', ['https://q.example/x?y=1&z=2']],
    ['HTTPS://UPPER.EXAMPLE/Path?', ['HTTPS://UPPER.EXAMPLE/Path']],
    ['Two lines https://a.example/1\nhttps://b.example/2', ['https://a.example/1', 'https://b.example/2']],
    ['Tag <https://t.example/x> here', ['https://t.example/x']],
    ['No host: https:// and glued xhttps://no.example', []],
    ['Plain text with no link, www.example.com is not one', []],
    ['Café https://shop.example/ñandú?n=1', ['https://shop.example/ñandú?n=1']],
  ])('in %j', (text, expected) => {
    expect(urls(text)).toEqual(expected);
  });

  it('tracks at most 10 links of a text and none longer than 2,000 characters', () => {
    const many = Array.from({ length: 12 }, (_, i) => `https://x.example/${i}`).join(' ');
    expect(findLinks(many)).toHaveLength(10);
    expect(findLinks(`https://x.example/${'a'.repeat(2_000)}`)).toEqual([]);
  });

  it('replaces each link by its own short link and leaves every other character where it was', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.string({ maxLength: 20 }).map((s) => s.replace(/https?:\/\//gi, '')),
            fc.webUrl(),
          ),
          { maxLength: 4 },
        ),
        fc.string({ maxLength: 10 }),
        (parts, tail) => {
          // Each link ends at a space, so that the text around it never runs into it.
          const text = parts.map(([before, url]) => `${before} ${url} `).join('') + tail.replace(/https?:\/\//gi, '');
          const spans = findLinks(text);
          const codes = spans.map(() => newCode());
          const out = replaceLinks(
            text,
            spans,
            codes.map((c) => shortLink('https://s.example.com', c)),
          );
          expect(urls(out)).toEqual(codes.map((c) => `https://s.example.com/${c}`));
          const kept = (s: string, links: string[]) => links.reduce((rest, l) => rest.replace(l, '\u0000'), s);
          expect(kept(out, urls(out))).toBe(kept(text, urls(text)));
        },
      ),
    );
  });
});

describe('codes', () => {
  it('are 9 letters and digits, drawn afresh each time', () => {
    const codes = Array.from({ length: 10_000 }, newCode);
    for (const c of codes) expect(c).toMatch(CODE_PATTERN);
    expect(new Set(codes).size).toBe(codes.length);
    expect(CODE_LENGTH).toBe(9);
  });

  it('use every character of the alphabet (no bias towards a few)', () => {
    const seen = new Set(Array.from({ length: 2_000 }, newCode).join(''));
    expect(seen.size).toBe(62);
  });
});

describe("a preview's short links", () => {
  it('are exactly as long as real ones and change neither the encoding nor the segments a real code would give', () => {
    const base = 'https://s.example.com';
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.webUrl(), (text, url) => {
        const original = `${text} ${url}`;
        const previewed = withPreviewLinks(original, base);
        const spans = findLinks(original);
        const real = replaceLinks(
          original,
          spans,
          spans.map(() => shortLink(base, newCode())),
        );
        expect(previewed.length).toBe(real.length);
        expect(measureText(previewed)).toMatchObject({ encoding: measureText(real).encoding, segments: measureText(real).segments });
      }),
    );
  });
});
