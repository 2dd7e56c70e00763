'use strict';
/**
 * Dispatch with an instant gateway: the same campaign through 1 and then 2 worker processes, each round paired
 * with the direct loop at the same number of calls in flight (8, then 16), so that a ratio compares runs made
 * moments apart. The 1-worker campaign is also exported (`smsq results`) before its keys are deleted, and run once
 * more end to end: `smsq enqueue FILE`, then `smsq wait`, timed from the enqueue's start to the wait's end.
 */
const { runPipeline } = require('../pipeline-run');
const { recipientsFile } = require('../recipients-file');
const { runDirectLoop } = require('./direct-loop');
const { exportResults } = require('./results-export');

const fmt = (n) => Math.round(n).toLocaleString('en');

async function instantScenario(ctx) {
  const size = ctx.opts.sizes.instant;
  const file = recipientsFile(size);
  const perWorker = ctx.opts.workerConcurrency;
  const out = { size, direct: { 1: [], 2: [] }, smsq: { 1: [], 2: [] }, endToEnd: [], export: [] };
  for (let i = 1; i <= ctx.opts.runs; i++) {
    for (const workers of [1, 2]) {
      const label = `instant ${i}/${ctx.opts.runs}, ${workers} worker(s)`;
      const direct = await ctx.load.undisturbed(`${label}, direct loop`, () =>
        runDirectLoop(ctx, { size, file, concurrency: workers * perWorker }),
      );
      out.direct[workers].push(direct);
      const afterSend = workers === 1 ? (id) => exportResults(ctx, id, size) : undefined;
      const run = await ctx.load.undisturbed(label, () => runPipeline(ctx, { workers, size, file, afterSend }));
      out.smsq[workers].push(run);
      if (run.after) out.export.push(run.after);
      // End to end (issue 17): the same campaign again, `smsq enqueue FILE && smsq wait ID`, paired with this direct loop.
      if (workers === 1)
        out.endToEnd.push(
          await ctx.load.undisturbed(`${label}, end to end`, () => runPipeline(ctx, { workers, size, file, endToEnd: true })),
        );
      ctx.log(
        `${label}: ${fmt(run.rate)}/s vs direct loop ${fmt(direct.rate)}/s; ` +
          `first send ${fmt(run.firstSendMs)} ms; worker RSS ${run.workerRssMb.toFixed(0)} MB; Redis ${run.redisBytesPerRecipient.toFixed(0)} B/recipient` +
          (run.after ? `; export ${fmt(run.after.rate)} rows/s` : ''),
      );
    }
  }
  return out;
}

module.exports = { instantScenario };
