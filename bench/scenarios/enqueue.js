'use strict';
/**
 * Enqueue: `smsq enqueue FILE` as a process with no worker running, so that nothing but validation and staging
 * is measured. Rate counts the whole process, start-up included, as a user waits for it.
 */
const { enqueueTimeoutMs } = require('../pipeline-run');
const { smsq, runToEnd } = require('../processes');
const { recipientsFile } = require('../recipients-file');
const { deletePrefix, memoryByKind, redisCpuSeconds, usedMemory } = require('../redis');

async function enqueueOnce(ctx, size, file) {
  const { redis, prefix } = ctx;
  await deletePrefix(redis, prefix);
  const quietBefore = await ctx.load.waitQuiet();
  const mem0 = await usedMemory(redis);
  const redis0 = await redisCpuSeconds(redis);
  const t0 = Date.now();
  const exit = await runToEnd(smsq('enqueue', ['enqueue', file, '--content', ctx.content], { env: ctx.env }), {
    timeoutMs: enqueueTimeoutMs(size),
  });
  const t1 = Date.now();
  const redisCpuS = (await redisCpuSeconds(redis)) - redis0;
  const mem1 = await usedMemory(redis);
  const keys = await memoryByKind(redis, prefix);
  return {
    rate: size / (exit.wallMs / 1000),
    wallMs: exit.wallMs,
    producerRssMb: exit.maxRssKb / 1024,
    producerCpuS: exit.cpuS,
    redisCpuS,
    otherCores: ctx.load.otherCores(t0, t1, exit.cpuS + redisCpuS),
    quietBefore,
    redisBytesPerRecipient: (mem1 - mem0) / size,
    keyBytesPerRecipient: keys.total / size,
  };
}

async function enqueueScenario(ctx) {
  const size = ctx.opts.sizes.enqueue;
  const file = recipientsFile(size);
  const runs = [];
  for (let i = 1; i <= ctx.opts.runs; i++) {
    const label = `enqueue ${i}/${ctx.opts.runs}`;
    const run = await ctx.load.undisturbed(label, () => enqueueOnce(ctx, size, file));
    runs.push(run);
    ctx.log(`${label}: ${Math.round(run.rate).toLocaleString('en')} recipients/s, producer RSS ${run.producerRssMb.toFixed(0)} MB`);
  }
  await deletePrefix(ctx.redis, ctx.prefix);
  return { size, runs };
}

module.exports = { enqueueScenario };
