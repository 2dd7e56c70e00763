'use strict';
/**
 * Baseline (b), measured: bench/baselines/job-per-recipient.js, one worker process at WORKER_CONCURRENCY, its
 * jobs added by a producer process, against the same simulator and the same Redis as smsq.
 */
const path = require('node:path');
const { waitFor } = require('../measure');
const { startNode, runToEnd } = require('../processes');
const { recipientsFile } = require('../recipients-file');
const { deletePrefix, memoryByKind, sampleRedisCpu, usedMemory, waitForWorkers } = require('../redis');
const simulator = require('../simulator-client');

const SCRIPT = path.join(__dirname, '..', 'baselines', 'job-per-recipient.js');
const fmt = (n) => Math.round(n).toLocaleString('en');

async function jobPerRecipientOnce(ctx, size, file, env) {
  const { redis, prefix, sim } = ctx;
  await deletePrefix(redis, prefix);
  await simulator.reset(sim);
  const worker = startNode('naive-worker', SCRIPT, ['work'], { env });
  try {
    await waitForWorkers(redis, prefix, 'naive', 1);
    const quietBefore = await ctx.load.waitQuiet();
    const mem0 = await usedMemory(redis);
    const redisCpu = sampleRedisCpu(redis);
    const t0 = Date.now();
    const producer = await runToEnd(startNode('naive-producer', SCRIPT, ['produce', file, ctx.content], { env }), {
      timeoutMs: 60_000 + size,
    });
    // Done when every job has completed, so that memory is measured with every result retained.
    await waitFor(async () => (await redis.zcard(`${prefix}:naive:completed`)) >= size, {
      what: 'the job-per-recipient jobs to complete',
      timeoutMs: 60_000 + size * 2,
    });
    redisCpu.stop();
    const times = await simulator.ledgerTimes(sim, size);
    if (times.count !== size) throw new Error(`job per recipient: the simulator accepted ${times.count} of ${size}`);
    const mem1 = await usedMemory(redis);
    const keys = await memoryByKind(redis, prefix);
    const exit = await worker.stop();
    const sendCpuS = {
      worker: worker.cpu.between(times.first, times.last),
      simulator: sim.child.cpu.between(times.first, times.last),
      redis: redisCpu.series.between(times.first, times.last),
    };
    return {
      rate: (size / Math.max(times.last - times.first, 1)) * 1000,
      sendMs: times.last - times.first,
      addRate: size / (producer.wallMs / 1000),
      firstSendMs: times.first - t0,
      workerRssMb: exit.maxRssKb / 1024,
      producerRssMb: producer.maxRssKb / 1024,
      sendCpuS,
      otherCores: ctx.load.otherCores(times.first, times.last, sendCpuS.worker + sendCpuS.simulator + sendCpuS.redis),
      quietBefore,
      cpuS: { worker: exit.cpuS, producer: producer.cpuS },
      redisBytesPerRecipient: (mem1 - mem0) / size,
      keyBytesPerRecipient: keys.total / size,
    };
  } finally {
    await worker.stop();
  }
}

async function jobPerRecipientScenario(ctx) {
  const size = ctx.opts.sizes.jobPerRecipient;
  const file = recipientsFile(size);
  const env = { ...ctx.env, CONCURRENCY: String(ctx.opts.workerConcurrency) };
  const runs = [];
  for (let i = 1; i <= ctx.opts.runs; i++) {
    const label = `job per recipient ${i}/${ctx.opts.runs}`;
    const run = await ctx.load.undisturbed(label, () => jobPerRecipientOnce(ctx, size, file, env));
    runs.push(run);
    ctx.log(`${label}: ${fmt(run.rate)}/s, Redis ${run.keyBytesPerRecipient.toFixed(0)} B/recipient`);
  }
  await deletePrefix(ctx.redis, ctx.prefix);
  return { size, runs };
}

module.exports = { jobPerRecipientScenario };
