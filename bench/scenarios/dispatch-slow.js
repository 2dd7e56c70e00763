'use strict';
/**
 * Dispatch with a slow gateway (every answer delayed): the gateway is then the bottleneck, and the figure is
 * how close smsq gets to the ceiling its concurrency allows, workers × WORKER_CONCURRENCY × 1000 recipients per
 * latency. Campaigns grow with the worker count so that every run lasts about the same (≈10 s in a full run).
 * The direct loop runs with the same calls in flight next to each: how close to the ceiling this machine gets
 * with no queue at all.
 */
const { runPipeline } = require('../pipeline-run');
const { recipientsFile } = require('../recipients-file');
const simulator = require('../simulator-client');
const { runDirectLoop } = require('./direct-loop');

const fmt = (n) => Math.round(n).toLocaleString('en');

async function slowScenario(ctx) {
  const { slowLatencyMs, workerConcurrency } = ctx.opts;
  const ceiling = (workers) => (workers * workerConcurrency * 1000) / (slowLatencyMs / 1000);
  const out = { latencyMs: slowLatencyMs, ceiling: { 1: ceiling(1), 2: ceiling(2) }, direct: { 1: [], 2: [] }, smsq: { 1: [], 2: [] } };
  await simulator.setFaults(ctx.sim, { latencyMs: slowLatencyMs });
  try {
    for (let i = 1; i <= ctx.opts.runs; i++) {
      for (const workers of [1, 2]) {
        const size = ctx.opts.sizes.slowPerWorker * workers;
        const label = `slow ${i}/${ctx.opts.runs}, ${workers} worker(s)`;
        const file = recipientsFile(size);
        const concurrency = workers * workerConcurrency;
        const direct = await ctx.load.undisturbed(`${label}, direct loop`, () =>
          runDirectLoop(ctx, { size, file, concurrency, latencyMs: slowLatencyMs }),
        );
        direct.ofCeiling = direct.rate / ceiling(workers);
        out.direct[workers].push(direct);
        const run = await ctx.load.undisturbed(label, () => runPipeline(ctx, { workers, size, file, latencyMs: slowLatencyMs }));
        run.ofCeiling = run.rate / ceiling(workers);
        out.smsq[workers].push(run);
        ctx.log(
          `${label}: ${fmt(run.rate)}/s = ${(run.ofCeiling * 100).toFixed(1)}% of ${fmt(ceiling(workers))}/s (direct loop ${(direct.ofCeiling * 100).toFixed(1)}%)`,
        );
      }
    }
  } finally {
    await simulator.setFaults(ctx.sim, { latencyMs: 0 });
  }
  return out;
}

module.exports = { slowScenario };
