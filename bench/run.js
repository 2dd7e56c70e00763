'use strict';
/**
 * `npm run bench`: measures smsq's own overhead against the bundled simulator and a Redis, next to two obvious
 * alternatives (a direct loop with no queue, and one BullMQ job per recipient), and judges it against the targets
 * of issue 6. See bench/README.md. Everything it starts — simulator, workers, producers — is its own process
 * and is stopped at the end; its Redis keys (queue prefix bench-<random>) are deleted, on failure and Ctrl-C too.
 */
const { randomBytes } = require('node:crypto');
const { startMachineLoad } = require('./machine-load');
const { machineInfo } = require('./measure');
const { parseOptions } = require('./options');
const { childEnv, clearLogs, startSimulator, stopAll } = require('./processes');
const { connect, deletePrefix } = require('./redis');
const { rowsFor, table, writeJson } = require('./report');
const { enqueueScenario } = require('./scenarios/enqueue');
const { instantScenario } = require('./scenarios/dispatch-instant');
const { slowScenario } = require('./scenarios/dispatch-slow');
const { jobPerRecipientScenario } = require('./scenarios/job-per-recipient');
const { expiryStart, expiryFinish } = require('./scenarios/expiry');
const { fairnessScenario } = require('./scenarios/fairness');
const { suppressionScenario } = require('./scenarios/suppression');
const { personalisedScenario } = require('./scenarios/personalised');
const { redirectScenario } = require('./scenarios/redirect');
const { profile, profilesPersonalised, PROFILE_NODE_ARGS } = require('./profile');

/** One line of plain text, as most campaigns are. */
const CONTENT = 'Spring sale: 20% off everything today only. Reply STOP to opt out.';

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) return void process.stdout.write(`${opts.help}\n`);
  const started = Date.now();
  clearLogs();
  const log = (msg) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const prefixes = [prefix, `${prefix}-fp`];
  const redis = await connect(opts.redisUrl);
  // Re-measuring disturbed runs stops at 60% of the time the bench should take (15 min, or 3 with --quick).
  const load = startMachineLoad({ deadline: started + (opts.quick ? 3 : 15) * 60_000 * 0.6, log });

  let cleaning;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await stopAll();
      for (const p of prefixes) await deletePrefix(redis, p).catch((err) => log(`could not delete ${p}:* keys: ${err.message}`));
      redis.disconnect();
      load.stop();
    })());
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      log(`${signal}: stopping every process started and deleting the ${prefix} keys`);
      cleanup().finally(() => process.exit(130));
    });
  }

  try {
    log(
      `queue prefix ${prefix}, Redis ${opts.redisUrl.replace(/\/\/[^@]*@/, '//***@')}, ${opts.quick ? 'quick' : 'full'} run, ${opts.runs} run(s) each`,
    );
    // A profiled personalised campaign profiles the simulator too: sendSms/batch costs it more than sendSms.
    const simArgs = opts.profile && profilesPersonalised(opts) ? PROFILE_NODE_ARGS : [];
    const sim = await startSimulator(childEnv({ LOG_LEVEL: 'warn' }), simArgs);
    const env = childEnv({
      REDIS_URL: opts.redisUrl,
      QUEUE_PREFIX: prefix,
      SMS_API_BASE_URL: sim.baseUrl,
      WORKER_CONCURRENCY: String(opts.workerConcurrency),
      LOG_LEVEL: 'warn',
      // Its campaigns are made up and deleted after the run: a Redis without persistence is fine to measure on.
      REDIS_ALLOW_VOLATILE: 'true',
    });
    const ctx = { opts, prefix, redis, sim, env, content: CONTENT, log, load };
    if (opts.profile) return void process.stdout.write(`${await profile(ctx)}\n`);

    const on = (name) => opts.scenarios.has(name);
    const results = {};
    const expiry = on('expiry') ? await expiryStart(ctx) : null;
    if (on('enqueue')) results.enqueue = await enqueueScenario(ctx);
    if (on('instant')) results.instant = await instantScenario(ctx);
    if (on('job-per-recipient')) results.jobPerRecipient = await jobPerRecipientScenario(ctx);
    if (on('slow')) results.slow = await slowScenario(ctx);
    if (on('fairness')) results.fairness = await fairnessScenario(ctx);
    if (on('suppression')) results.suppression = await suppressionScenario(ctx);
    if (on('personalised')) results.personalised = await personalisedScenario(ctx);
    if (on('redirect')) results.redirect = await redirectScenario(ctx);
    if (expiry) results.expiry = await expiryFinish(ctx, expiry);
    const simExit = await sim.child.stop();

    const rows = rowsFor(results, opts);
    const report = {
      generatedAt: new Date().toISOString(),
      mode: opts.quick ? 'quick' : 'full',
      wallSeconds: Math.round((Date.now() - started) / 1000),
      machine: { ...machineInfo(), redis: (await redis.info('server')).match(/redis_version:(\S+)/)?.[1] },
      options: {
        runs: opts.runs,
        sizes: opts.sizes,
        workerConcurrency: opts.workerConcurrency,
        slowLatencyMs: opts.slowLatencyMs,
        expiryRetentionSeconds: opts.expiryRetentionSeconds,
        content: CONTENT,
      },
      simulatorPeakRssMb: simExit.maxRssKb / 1024,
      table: rows,
      results,
    };
    process.stdout.write(
      `\nsmsq bench, ${report.mode} run (${opts.runs} runs each; verdicts on the median), ${report.machine.cpuModel}, ${report.machine.cores} cores, Node ${report.machine.node}, Redis ${report.machine.redis}\n\n`,
    );
    process.stdout.write(`${table(rows)}\n\n`);
    log(`results written to ${writeJson(report, opts.quick)}; ${report.wallSeconds} s in all`);
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  process.stderr.write(err.usage ? `${err.message}\n` : `bench failed: ${err.stack ?? err}\n`);
  process.exitCode = err.usage ? 2 : 1;
});
