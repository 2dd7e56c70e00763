/*
 * The campaign page's clicks section (campaign.html), for a campaign with tracked links: its clicks, the recipients
 * who clicked (clickers), the click rate (clickers of those sent), the link-preview robots' and HEAD requests' visits
 * counted apart (previews), and a chart of clicks per interval and the cumulative click rate. On console.js's helpers
 * (el, n, pct), defined by the time this is called. The figures come with every poll; the clicks over time cost the
 * server one read more, so a poll asks for them (wanted) when the clicks have changed, at most every CLICKS_MS (the
 * first clicks at once), and every CLICKS_IDLE_MS besides, so that the chart's right end keeps up with the time.
 */
/* global el, n, pct */
/* exported campaignClicksSection */
'use strict';

const CLICKS_MS = 10_000;
const CLICKS_IDLE_MS = 60_000;
const CLICKS_HEIGHT = 220;

/** Steps between the time axis's ticks (s): never less than an interval, so that no two ticks read the same. */
const TIME_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800, 2_592_000];

/** Steps for the clicks axis: whole clicks only. */
const WHOLE = [1, 2, 5].flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].map((p) => m * p)).sort((a, b) => a - b);

/** A tick's time: the hour for a chart within a day, the date too beyond. */
function clickTime(seconds, spanSeconds) {
  const d = new Date(seconds * 1000);
  return spanSeconds > 86_400
    ? d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    : d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

/**
 * The chart's columns from the server's intervals (only those with a click): each interval's start, from the one
 * before the first click to the current one, with its clicks and the recipients who had clicked by its end as a
 * share of those sent (in %); and a last point at the current interval's end, where the bars end and the rate holds.
 */
function clickColumns(series, sent) {
  const step = series.bucketMinutes * 60_000;
  const byAt = new Map(series.buckets.map((b) => [b.at, b]));
  const xs = [];
  const clicks = [];
  const rate = [];
  let clickers = 0;
  for (let at = series.buckets[0].at - step; at < series.until; at += step) {
    const b = byAt.get(at);
    clickers += b ? b.firstClicks : 0;
    xs.push(at / 1000);
    // No bar where none clicked (a zero would be drawn as a line along the axis).
    clicks.push(b ? b.clicks : null);
    rate.push(sent > 0 ? Math.min(100, (100 * clickers) / sent) : null);
  }
  xs.push(series.until / 1000);
  clicks.push(null);
  rate.push(rate[rate.length - 1]);
  return [xs, clicks, rate];
}

function campaignClicksSection() {
  const card = document.getElementById('clicks');
  const box = document.getElementById('clicks-chart');
  const empty = document.getElementById('clicks-empty');
  let chart = null;
  // Not known before the first answer, whose poll asks for the clicks over time: an untracked campaign has none.
  let tracked = true;
  let latestClicks = 0;
  let drawnClicks = 0;
  let readAt = 0;

  function draw(series, sent) {
    const data = clickColumns(series, sent);
    const width = box.clientWidth || 900;
    const unit = series.bucketMinutes === 1 ? 'minute' : `${series.bucketMinutes} min`;
    if (chart && chart.series[1].label !== `clicks / ${unit}`) {
      chart.destroy();
      chart = null;
    }
    if (chart) {
      chart.setData(data);
      if (chart.width !== width) chart.setSize({ width, height: CLICKS_HEIGHT });
      return;
    }
    chart = new uPlot(
      {
        width,
        height: CLICKS_HEIGHT,
        series: [
          {},
          {
            label: `clicks / ${unit}`,
            scale: 'clicks',
            stroke: '#2f6fed',
            fill: 'rgba(47,111,237,.55)',
            // Each bar from its interval's start, as wide as the interval (less a gap), up to 48 px.
            paths: uPlot.paths.bars({ size: [0.8, 48], align: 1 }),
            points: { show: false },
          },
          {
            label: 'click rate (clickers of sent)',
            scale: '%',
            stroke: '#7a5af8',
            width: 2,
            paths: uPlot.paths.stepped({ align: 1 }),
            points: { show: false },
          },
        ],
        axes: [
          {
            values: (u, ticks) => ticks.map((t) => clickTime(t, u.scales.x.max - u.scales.x.min)),
            incrs: TIME_STEPS.filter((s) => s >= series.bucketMinutes * 60),
            space: 80,
          },
          { scale: 'clicks', label: 'clicks', size: 60, incrs: WHOLE },
          {
            scale: '%',
            label: 'click rate',
            side: 1,
            size: 60,
            grid: { show: false },
            values: (_u, ticks) => ticks.map((t) => `${+t.toFixed(1)}%`),
          },
        ],
        scales: {
          x: { time: true },
          clicks: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
          '%': { range: (_u, _min, max) => [0, Math.min(100, Math.max(1, max * 1.15))] },
        },
        // The legend names the series; values under the cursor would read "--" in a screenshot.
        legend: { live: false },
      },
      data,
      box,
    );
  }

  return {
    /** Whether this poll should ask for the clicks over time (?clicks=true). */
    wanted() {
      if (!tracked) return false;
      const since = Date.now() - readAt;
      // The first clicks are fetched at the next poll, not CLICKS_MS later: "No click yet" beside a count of clicks would be wrong.
      const firstClicks = drawnClicks === 0 && latestClicks > 0;
      return readAt === 0 || since >= CLICKS_IDLE_MS || (latestClicks !== drawnClicks && (firstClicks || since >= CLICKS_MS));
    },

    /** Shows campaign `c`'s links (none: the section stays hidden) and, when this poll carried them, its clicks over time. */
    render(c, series) {
      const links = c.links;
      tracked = Boolean(links);
      card.hidden = !links;
      if (!links) return;
      latestClicks = links.clicks;
      const tiles = [
        ['clicks', n(links.clicks)],
        ['clickers', n(links.clickers)],
        ['click rate', pct(links.clickRate)],
        ['previews', n(links.previews)],
      ];
      document
        .getElementById('clicks-tiles')
        .replaceChildren(
          ...tiles.map(([k, v]) => el('div', { class: `tile-${k.replace(' ', '-')}` }, el('dt', { text: k }), el('dd', { text: v }))),
        );
      document.getElementById('clicks-text').textContent =
        `${n(links.clickers)} of the ${n(c.counts.sent)} recipients sent to clicked a link (${pct(links.clickRate)}), ${n(links.clicks)} click${links.clicks === 1 ? '' : 's'} in all` +
        ` · ${n(links.previews)} visit${links.previews === 1 ? '' : 's'} by link-preview robots or HEAD requests, not counted as clicks · short links under ${links.baseUrl}`;
      if (!series) {
        // Clicks came since the chart was read: until the next poll brings them, say so rather than "No click yet".
        if (links.clicks > 0 && drawnClicks === 0) empty.textContent = 'Clicks came in: the chart of clicks over time is being read.';
        return;
      }
      readAt = Date.now();
      empty.textContent = 'No click yet: the chart of clicks over time starts with the first.';
      drawnClicks = links.clicks;
      empty.hidden = series.buckets.length > 0;
      box.hidden = series.buckets.length === 0;
      if (series.buckets.length > 0) draw(series, c.counts.sent);
    },
  };
}
