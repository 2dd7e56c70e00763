import fc from 'fast-check';
import { outcomesJson, parseOutcomes } from '../../src/shared/batch/store';
import type { StoredOutcome } from '../../src/shared/types';
import { FC_SEED } from '../support/fc-seed';

/** outcomesJson writes a call's outcomes straight into one string: the JSON an object of them would give. */
const text = fc.string({ maxLength: 12, unit: 'binary' });
const outcome: fc.Arbitrary<StoredOutcome> = fc.oneof(
  fc.tuple(fc.constant('s' as const), fc.stringMatching(/^[0-9]{1,19}$/)),
  fc.tuple(fc.constant('s' as const), text),
  fc.tuple(fc.constant('s' as const), text, text),
  fc.tuple(fc.constant('f' as const), text, text),
  fc.tuple(fc.constant('u' as const), text, text, fc.nat()),
  fc.constant(['c'] as StoredOutcome),
  fc.tuple(fc.constant('x' as const), text),
);

it('writes the JSON of {index: outcome} that the batch hash stores, for any outcomes', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(1_000), outcome), { maxLength: 40 }), (entries) => {
      const outcomes = new Map(entries);
      const json = outcomesJson(outcomes);
      expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(Object.fromEntries(outcomes))));
      expect(parseOutcomes(json)).toEqual(outcomes);
    }),
    { seed: FC_SEED, numRuns: 300 },
  );
});

it('writes a call of sent outcomes as the plain JSON object, and none as {}', () => {
  expect(
    outcomesJson(
      new Map<number, StoredOutcome>([
        [0, ['s', '2108021059531000096']],
        [7, ['s', 'a"b']],
      ]),
    ),
  ).toBe('{"0":["s","2108021059531000096"],"7":["s","a\\"b"]}');
  expect(outcomesJson(new Map())).toBe('{}');
});
