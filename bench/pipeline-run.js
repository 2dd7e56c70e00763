'use strict';
/**
 * One measured campaign through smsq itself, the way it runs in production: N `smsq worker` processes up and
 * idle, then `smsq enqueue` as a process, until the campaign has completed. Send times come from the
 * simulator's ledger; every recipient must be sent exactly once or the run fails.
 */
const { per100k } = require('./commandstats');
const { smsq, runToEnd } = require('./processes');
const { deletePrefix, memoryByKind, sampleRedisCpu, usedMemory, waitForCampaign, waitForWorkers } = require('./redis');
const simulator = require('./simulator-client');

const MB = 1024;

/** Generous bounds (a few times the slowest rate seen) so that only a stuck pipeline trips them. */
const enqueueTimeoutMs = (size) => 60_000 + size / 10;
const campaignTimeoutMs = (size) => 60_000 + size / 5;

/**
 * `prepare()` runs after the keys are cleared and before the workers start; what it returns is kept as `prepared`.
 * `afterSend(campaignId)` runs once the campaign is complete and the workers are stopped, before the keys are
 * deleted (the results export uses it). `nodeArgs` go to every smsq process (`--cpu-prof` when profiling).
 * `endToEnd` also runs `smsq wait` after the enqueue and times the two together (issue 17's end-to-end figure).
 * `content` is the campaign's text (a template for the personalised scenario). `latencyMs` is the simulator's delay: the ledger stamps a call when it is accepted, before that delay, so the
 * last call ends `latencyMs` after its stamp and the send window is that much longer.
 */
async function runPipeline(
  ctx,
  { workers, size, file, env = ctx.env, nodeArgs = [], afterSend, latencyMs = 0, prepare, content = ctx.content, endToEnd = false },
) {
  const { redis, prefix, sim } = ctx;
  await deletePrefix(redis, prefix);
  await simulator.reset(sim);
  // What the run needs in Redis before its workers start (the suppression scenario's list).
  const prepared = prepare ? await prepare() : undefined;
  const ws = Array.from({ length: workers }, () => smsq('worker', ['worker'], { env, nodeArgs }));
  try {
    await waitForWorkers(redis, prefix, 'batches', workers);
    const quietBefore = await ctx.load.waitQuiet();
    const mem0 = await usedMemory(redis);
    const redisCpu = sampleRedisCpu(redis);
    const t0 = Date.now();
    // End to end, the file by its path, as a user gives it: validated whole, then staged while it sends. The dispatch
    // runs read it from stdin, staged whole before it sends, so that their send window times the workers alone.
    const enqueue = endToEnd
      ? smsq('enqueue', ['enqueue', file, '--content', content], { env, nodeArgs })
      : smsq('enqueue', ['enqueue', '-', '--format', 'csv', '--content', content], { env, nodeArgs, stdinFile: file });
    const enq = await runToEnd(enqueue, { timeoutMs: enqueueTimeoutMs(size) });
    const campaignId = enq.stdout.trim();
    // End to end as a user runs it: `smsq enqueue FILE && smsq wait ID`, from the enqueue's start to the wait's end.
    // Its own runs only: the wait process takes CPU from the workers while they send.
    if (endToEnd) await runToEnd(smsq('wait', ['wait', campaignId], { env }), { timeoutMs: campaignTimeoutMs(size) });
    const endToEndMs = endToEnd ? Date.now() - t0 : undefined;
    await waitForCampaign(redis, prefix, campaignId, size, campaignTimeoutMs(size));
    redisCpu.stop();
    const [times, stats] = await Promise.all([simulator.ledgerTimes(sim, size), simulator.stats(sim)]);
    if (times.count !== size || stats.duplicates !== 0) {
      throw new Error(`the simulator accepted ${times.count} messages (${stats.duplicates} duplicates) for ${size} recipients`);
    }
    const mem1 = await usedMemory(redis);
    const keys = await memoryByKind(redis, prefix);
    const exits = await Promise.all(ws.map((w) => w.stop()));
    const after = afterSend ? await afterSend(campaignId) : undefined;
    const perRecipient = (bytes) => bytes / size;
    const sendMs = Math.max(times.last + latencyMs - times.first, 1);
    const sendCpuS = {
      workers: ws.reduce((sum, w) => sum + w.cpu.between(times.first, times.last), 0),
      simulator: sim.child.cpu.between(times.first, times.last),
      redis: redisCpu.series.between(times.first, times.last),
    };
    // Redis's commands over the same window, per 100,000 sent: which of them the send path costs.
    const redisCommands = per100k(redisCpu.commands.between(times.first, times.last), size);
    return {
      workers,
      size,
      campaignId,
      rate: (size / sendMs) * 1000,
      endToEndMs,
      endToEndRate: endToEndMs === undefined ? undefined : (size / endToEndMs) * 1000,
      steadyRate: ((times.count * 0.8) / Math.max(times.p90 - times.p10, 1)) * 1000,
      enqueueMs: enq.wallMs,
      firstSendMs: times.first - t0,
      lastSendMs: times.last + latencyMs - t0,
      sendMs,
      calls: stats.calls,
      workerRssMb: Math.max(...exits.map((e) => e.maxRssKb / MB)),
      producerRssMb: enq.maxRssKb / MB,
      firstSendAt: times.first,
      lastSendAt: times.last,
      // CPU spent from the first send to the last, by process: who is busy while smsq sends.
      sendCpuS,
      redisCommands,
      otherCores: ctx.load.otherCores(times.first, times.last, sendCpuS.workers + sendCpuS.simulator + sendCpuS.redis),
      quietBefore,
      cpuS: { workers: exits.reduce((sum, e) => sum + e.cpuS, 0), producer: enq.cpuS },
      redisBytesPerRecipient: perRecipient(mem1 - mem0),
      keyBytesPerRecipient: perRecipient(keys.total),
      keyKindsPerRecipient: Object.fromEntries(
        Object.entries(keys.kinds).map(([k, v]) => [k, { keys: v.keys, bytes: perRecipient(v.bytes) }]),
      ),
      after,
      prepared,
    };
  } finally {
    await Promise.allSettled(ws.map((w) => w.stop()));
  }
}

module.exports = { runPipeline, enqueueTimeoutMs, campaignTimeoutMs };
