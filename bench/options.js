'use strict';
/** Command-line options of `npm run bench` and the campaign sizes they imply. */
const { parseArgs } = require('node:util');

const SCENARIOS = ['enqueue', 'instant', 'slow', 'job-per-recipient', 'expiry', 'fairness', 'suppression', 'personalised', 'redirect'];

/**
 * Recipients per campaign in a full run. `--quick` divides them by 10: the ratio targets stay meaningful, while
 * absolute rates then include a larger share of process start-up.
 */
const FULL_SIZES = Object.freeze({
  enqueue: 1_000_000,
  instant: 1_000_000,
  // Per worker process, so that every slow run lasts about 10 s whatever the worker count (40,000/s per worker).
  slowPerWorker: 400_000,
  jobPerRecipient: 50_000,
  expiry: 100_000,
  // The big `low` campaign of the fairness scenario.
  fairness: 1_000_000,
  // Numbers on the suppression list in the suppression scenario.
  suppressionList: 1_000_000,
  // Issue 11: a template with three fields against one fixed text, 2 workers, 10% -18.
  personalised: 100_000,
  // Issue 27: tracked links stored, one per recipient, that the redirect scenario follows at random.
  redirectLinks: 100_000,
});

const USAGE = `Usage: npm run bench [-- options]

  --quick          campaigns 10x smaller (about 4 minutes instead of about 20)
  --runs N         runs per measured figure (default 3, at least 1)
  --only LIST      comma-separated subset of: ${SCENARIOS.join(', ')}
  --profile        instead of measuring: one profiled 1-worker campaign (node --cpu-prof on the producer, the
                   worker and the results export), then the functions with the most self time in each;
                   with --only personalised, the personalised scenario's campaign, and the simulator too
  --redis-url URL  default REDIS_URL, else redis://127.0.0.1:6379
  -h, --help`;

function usageError(message) {
  return Object.assign(new Error(`${message}\n\n${USAGE}`), { usage: true });
}

function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        runs: { type: 'string', default: '3' },
        only: { type: 'string' },
        profile: { type: 'boolean', default: false },
        'redis-url': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw usageError(err.message);
  }
  if (values.help) return { help: USAGE };
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20)
    throw usageError(`--runs must be a whole number from 1 to 20, not "${values.runs}"`);
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : SCENARIOS;
  const unknown = only.filter((s) => !SCENARIOS.includes(s));
  if (unknown.length > 0) throw usageError(`--only: unknown scenario(s) ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
  const scale = values.quick ? 10 : 1;
  return {
    quick: values.quick,
    runs,
    scenarios: new Set(only),
    profile: values.profile,
    redisUrl: values['redis-url'] ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    sizes: Object.fromEntries(Object.entries(FULL_SIZES).map(([k, v]) => [k, v / scale])),
    // The product's defaults, written out so the JSON says what was measured.
    workerConcurrency: 8,
    slowLatencyMs: 200,
    expiryRetentionSeconds: 60,
    // A quick run's big campaign lasts a few seconds: small campaigns come 4× as often to give a few samples.
    fairnessIntervalMs: values.quick ? 500 : 2_000,
  };
}

module.exports = { parseOptions, SCENARIOS };
