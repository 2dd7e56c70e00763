import {
  parseVariantFigures,
  parseVariantPlan,
  pickWinner,
  variantFigures,
  variantOf,
  variantTemplates,
} from '../../src/shared/campaign/variants';
import { renderStored } from '../../src/shared/text/template';
import { checkVariantOptions } from '../../src/producer/variant-options';

const figures = (sent: number, delivered: number, clickers = 0, replies = 0) =>
  variantFigures({ recipients: sent, called: sent, sent, failed: 0, delivered, clickers, replies });

describe('A/B variants', () => {
  it.each([2, 3, 5])('gives each of %i texts an even share of a canary batch, within one recipient, whatever the batch', (count) => {
    for (const [batch, size] of [
      [0, 1_000],
      [7, 999],
      [12, 1],
    ]) {
      const shares = Array.from({ length: count }, () => 0);
      for (let i = 0; i < size; i++) shares[variantOf(batch, i, count)]++;
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
      expect(shares.reduce((a, b) => a + b)).toBe(size);
    }
  });

  it('picks the best rate by the measure asked, ties to the earlier text, and counts a text with nothing sent as 0', () => {
    const f = [figures(100, 80, 5, 1), figures(100, 90, 5, 0), figures(0, 0)];
    expect(pickWinner(f, 'delivered')).toBe(1);
    expect(pickWinner(f, 'clicks')).toBe(0);
    expect(pickWinner(f, 'replies')).toBe(0);
    expect(pickWinner([figures(0, 0), figures(10, 0)], 'delivered')).toBe(0);
    expect(figures(0, 0)).toMatchObject({ deliveredRate: null, clickRate: null, replyRate: null });
  });

  it('renders each text from one set of stored values: the fields of all of them, the first text’s first', () => {
    const templates = variantTemplates(['Hi {{name}}', 'Code {{code}} for {{name|friend}}', 'Plain'])!;
    expect(templates[0].fields).toEqual(['name', 'code']);
    const values = ['Ana', 'X1'];
    expect(templates.map((t) => renderStored(t, values))).toEqual(['Hi Ana', 'Code X1 for Ana', 'Plain']);
    expect(renderStored(templates[1], ['', 'X1'])).toBe('Code X1 for friend');
  });

  it('reads a damaged stored plan or figures as absent, never half', () => {
    expect(parseVariantPlan('{"texts":["a","b"],"winnerBy":"delivered"}')).toEqual({ texts: ['a', 'b'], winnerBy: 'delivered' });
    for (const bad of [
      '',
      'not json',
      '{"texts":["a"],"winnerBy":"delivered"}',
      '{"texts":["a",2],"winnerBy":"delivered"}',
      '{"texts":["a","b"],"winnerBy":"opens"}',
    ])
      expect(parseVariantPlan(bad)).toBeUndefined();
    expect(parseVariantFigures('[{"sent":4,"delivered":2},{"sent":-1,"delivered":"x"}]', 2)!.map((f) => [f.sent, f.deliveredRate])).toEqual(
      [
        [4, 0.5],
        [0, null],
      ],
    );
    expect(parseVariantFigures('[{}]', 2)).toBeUndefined();
  });

  it('checks the options at the edge: the texts, the measure and what each needs', () => {
    const config = { optOut: { contactHistory: false } } as Parameters<typeof checkVariantOptions>[1];
    const same = (t: string) => t;
    const problems = (opts: Parameters<typeof checkVariantOptions>[0]) => checkVariantOptions(opts, config, same).problems.map(([f]) => f);
    expect(checkVariantOptions({ variants: ['a', 'b'], canary: 10 }, config, same).variants).toMatchObject({
      texts: ['a', 'b'],
      winnerBy: 'delivered',
    });
    expect(problems({ variants: ['a', 'b'] })).toEqual(['variants']);
    expect(problems({ variants: ['a', ''], canary: 10 })).toEqual(['variants[1]']);
    expect(problems({ variants: ['a', 'b'], canary: 10, winnerBy: 'replies' })).toEqual(['winnerBy']);
    expect(problems({ variants: ['a', 'b'], canary: 10, winnerBy: 'clicks', trackLinks: true })).toEqual([]);
    expect(problems({ winnerBy: 'delivered' })).toEqual(['winnerBy']);
    expect(problems({ variants: 'a,b' as unknown as string[], canary: 10 })).toEqual(['variants']);
  });
});
