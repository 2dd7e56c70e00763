'use strict';
/** The targets of issues 6, 10, 11, 13, 17, 24 and 27, and how a figure (its median over runs) is judged against one. */

const TARGETS = Object.freeze({
  enqueueRate: { op: '>=', value: 500_000, text: '≥ 500,000/s' },
  producerRss: { op: '<=', value: 150, text: '≤ 150 MB' },
  instantVsDirect: { op: '>=', value: 0.85, text: '≥ 0.85× direct' },
  // Issue 17: `smsq enqueue FILE` with a worker running, until `smsq wait` returns, against the direct loop's whole run.
  endToEndVsDirect: { op: '>=', value: 0.6, text: '≥ 0.6× direct' },
  slowOfCeiling: { op: '>=', value: 0.95, text: '≥ 95% of ceiling' },
  slowScaling: { op: '>=', value: 1.9, text: '≥ 1.9×' },
  firstSend: { op: '<=', value: 1_000, text: '≤ 1,000 ms' },
  workerRss: { op: '<=', value: 200, text: '≤ 200 MB' },
  // Issue 24: results and the msgId index retained.
  redisPerRecipient: { op: '<=', value: 100, text: '≤ 100 B' },
  // Issue 24, while sending (first to last send), per 100,000 recipients sent, instant gateway.
  redisCpuPer100k: { op: '<=', value: 0.2, text: '≤ 0.20 s' },
  workerCpuVsDirect: { op: '<=', value: 2, text: '≤ 2× the loop' },
  // Issue 10, with the 200 ms gateway.
  fairHighP99: { op: '<=', value: 1_000, text: '≤ 1,000 ms' },
  fairNormalP99: { op: '<=', value: 2_000, text: '≤ 2,000 ms' },
  fairBigRate: { op: '>=', value: 0.95, text: '≥ 95% of alone' },
  // Issue 13.
  suppressionImport: { op: '<=', value: 10_000, text: '≤ 10,000 ms' },
  suppressionCheck: { op: '>=', value: 0.9, text: '≥ 90% of empty' },
  // Issue 11: personalised texts at batch speed.
  personalisedVsFixed: { op: '>=', value: 0.8, text: '≥ 0.8× fixed text' },
  // Issue 27: tracked-link redirects by one `smsq server` process (one core), and a visitor's wait at that rate.
  redirectRate: { op: '>=', value: 5_000, text: '≥ 5,000/s' },
  redirectP99: { op: '<=', value: 10, text: '≤ 10 ms' },
});

const pct = (x) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/** 'met', or by how much it was missed: the shortfall below a minimum, the excess over a maximum. */
function verdict(value, target) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (target.op === '>=') return value >= target.value ? 'met' : `MISSED by ${pct(1 - value / target.value)}`;
  return value <= target.value
    ? 'met'
    : `MISSED, ${value / target.value >= 2 ? `${(value / target.value).toFixed(1)}×` : `${pct(value / target.value - 1)} over`}`;
}

module.exports = { TARGETS, verdict };
