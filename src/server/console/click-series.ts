/**
 * A tracked campaign's clicks over time, for the campaign page's clicks chart: the clicks per minute that following
 * a link counts (shared/links/link-store.ts), in at most MAX_BUCKETS intervals from the first click to now. A
 * campaign clicked over days is summed into wider intervals rather than cut, so that every click is in the chart
 * and its cumulative click rate ends at the campaign's own.
 */

/** Intervals sent at most: more than a chart as wide as the page can show, and a few tens of kB at most. */
export const MAX_BUCKETS = 2_000;

/** Interval widths, in minutes, that read well on a time axis; past a day, whole days. */
const WIDTHS = [1, 5, 15, 30, 60, 180, 360, 720, 1_440];

const MINUTE_MS = 60_000;

/** One interval's visits: `at` its start (ms), its clicks, and the recipients whose first click it holds. */
export interface ClickBucket {
  at: number;
  clicks: number;
  firstClicks: number;
}

export interface ClickSeries {
  /** Each interval's width. */
  bucketMinutes: number;
  /** The intervals with a click, oldest first; those not listed had none. */
  buckets: ClickBucket[];
  /** Where the chart ends (ms): the end of the server's current minute, or of the last click's if later. */
  until: number;
}

/** `perMinute` (oldest first, as LinkStore.clicksPerMinute reads it) in the narrowest width that keeps MAX_BUCKETS. */
export function bucketClicks(perMinute: ReadonlyArray<ClickBucket>, now: number): ClickSeries {
  if (perMinute.length === 0) return { bucketMinutes: 1, buckets: [], until: (Math.floor(now / MINUTE_MS) + 1) * MINUTE_MS };
  const first = Math.floor(perMinute[0].at / MINUTE_MS);
  const last = Math.max(Math.floor(now / MINUTE_MS), Math.floor(perMinute[perMinute.length - 1].at / MINUTE_MS));
  // One interval fewer than the most: the first and last are cut by their alignment and may both be partial.
  const need = (last - first + 1) / (MAX_BUCKETS - 1);
  const width = WIDTHS.find((w) => w >= need) ?? 1_440 * Math.ceil(need / 1_440);
  const buckets: ClickBucket[] = [];
  for (const m of perMinute) {
    const at = Math.floor(m.at / MINUTE_MS / width) * width * MINUTE_MS;
    const open = buckets[buckets.length - 1];
    if (open?.at === at) {
      open.clicks += m.clicks;
      open.firstClicks += m.firstClicks;
    } else buckets.push({ at, clicks: m.clicks, firstClicks: m.firstClicks });
  }
  return { bucketMinutes: width, buckets, until: (last + 1) * MINUTE_MS };
}
