import fc from 'fast-check';
import { bucketClicks, MAX_BUCKETS, type ClickBucket } from '../../src/server/console/click-series';
import { FC_SEED } from '../support/fc-seed';

const MINUTE = 60_000;
const NOW = Date.parse('2026-12-07T12:00:30Z');

/** A campaign's clicks per minute as LinkStore reads them: distinct minutes up to a year before now, oldest first. */
const perMinute = fc
  .uniqueArray(fc.integer({ min: 0, max: 366 * 24 * 60 }), { maxLength: 300 })
  .chain((ago) =>
    fc.tuple(
      ...ago.map((m) =>
        fc.record({ clicks: fc.integer({ min: 1, max: 1_000 }), firstClicks: fc.integer({ min: 0, max: 1_000 }) }).map((c) => ({
          at: (Math.floor(NOW / MINUTE) - m) * MINUTE,
          ...c,
        })),
      ),
    ),
  )
  .map((rows: ClickBucket[]) => rows.sort((a, b) => a.at - b.at));

const sum = (rows: ClickBucket[], k: 'clicks' | 'firstClicks') => rows.reduce((n, r) => n + r[k], 0);

it('keeps every click in at most MAX_BUCKETS intervals from the first click to now, as narrow as that allows', () => {
  fc.assert(
    fc.property(perMinute, (rows) => {
      const out = bucketClicks(rows, NOW);
      const step = out.bucketMinutes * MINUTE;
      expect(sum(out.buckets, 'clicks')).toBe(sum(rows, 'clicks'));
      expect(sum(out.buckets, 'firstClicks')).toBe(sum(rows, 'firstClicks'));
      expect(out.until).toBe(Math.floor(NOW / MINUTE) * MINUTE + MINUTE);
      if (rows.length === 0) return expect(out.buckets).toEqual([]);
      // The page draws every interval from the one before the first to the last: that many stay within the bound.
      expect((out.until - out.buckets[0].at) / step + 1).toBeLessThanOrEqual(MAX_BUCKETS + 1);
      for (const [i, b] of out.buckets.entries()) {
        expect(b.at % step).toBe(0);
        if (i > 0) expect(b.at).toBeGreaterThan(out.buckets[i - 1].at);
      }
      // One minute wide while the clicks span fewer than MAX_BUCKETS minutes.
      if (out.until - rows[0].at <= (MAX_BUCKETS - 1) * MINUTE) expect(out.bucketMinutes).toBe(1);
    }),
    { seed: FC_SEED },
  );
});

it('sums a week of clicks into quarter hours, a year into 6 hours and ten years into whole days', () => {
  const week = Array.from({ length: 7 * 24 * 60 }, (_, i) => ({ at: NOW - (i + 1) * MINUTE, clicks: 1, firstClicks: 0 })).reverse();
  expect(bucketClicks(week, NOW).bucketMinutes).toBe(15);
  const once = (daysAgo: number) => [{ at: NOW - daysAgo * 86_400_000, clicks: 3, firstClicks: 3 }];
  expect(bucketClicks(once(365), NOW).bucketMinutes).toBe(360);
  const decade = bucketClicks(once(3_650), NOW);
  expect(decade.bucketMinutes).toBe(2 * 1_440);
  expect(decade.buckets).toEqual([{ at: Math.floor(once(3_650)[0].at / (2 * 86_400_000)) * 2 * 86_400_000, clicks: 3, firstClicks: 3 }]);
});
