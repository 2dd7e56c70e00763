'use strict';
/** One measured run of baseline (a), bench/baselines/direct-loop.js, against the same simulator as smsq. */
const path = require('node:path');
const { startNode, runToEnd } = require('../processes');
const simulator = require('../simulator-client');

const SCRIPT = path.join(__dirname, '..', 'baselines', 'direct-loop.js');

/** `latencyMs`: the simulator's delay, added to the send window as in pipeline-run.js. */
async function runDirectLoop(ctx, { size, file, concurrency, latencyMs = 0 }) {
  const { sim } = ctx;
  await simulator.reset(sim);
  const quietBefore = await ctx.load.waitQuiet();
  const t0 = Date.now();
  const env = { ...ctx.env, CONCURRENCY: String(concurrency) };
  const loop = startNode('direct-loop', SCRIPT, [file, ctx.content], { env });
  const exit = await runToEnd(loop, { timeoutMs: 60_000 + size / 5 });
  // The whole script, start-up and reading the file included: what smsq's end-to-end figure is compared with.
  const endToEndMs = Date.now() - t0;
  const times = await simulator.ledgerTimes(sim, size);
  if (times.count !== size) throw new Error(`direct loop: the simulator accepted ${times.count} of ${size}`);
  // The loop exits right after its last send: its total CPU less what it had used at the first send.
  const sendCpuS = { loop: exit.cpuS - loop.cpu.at(times.first), simulator: sim.child.cpu.between(times.first, times.last) };
  return {
    concurrency,
    size,
    rate: (size / Math.max(times.last + latencyMs - times.first, 1)) * 1000,
    sendMs: times.last + latencyMs - times.first,
    endToEndMs,
    endToEndRate: (size / endToEndMs) * 1000,
    steadyRate: ((times.count * 0.8) / Math.max(times.p90 - times.p10, 1)) * 1000,
    firstSendMs: times.first - t0,
    rssMb: exit.maxRssKb / 1024,
    firstSendAt: times.first,
    lastSendAt: times.last,
    sendCpuS,
    otherCores: ctx.load.otherCores(times.first, times.last, sendCpuS.loop + sendCpuS.simulator),
    quietBefore,
    cpuS: { loop: exit.cpuS },
  };
}

module.exports = { runDirectLoop };
