'use strict';
/**
 * Redis footprint after results expire. A campaign runs at the start of the bench under its own prefix with
 * RESULT_RETENTION_SECONDS at its minimum (60 s); the other scenarios run while its retention passes, so the wait
 * costs little. At the end it is measured twice: once Redis has expired what has a TTL (campaign and batch
 * hashes), and again after one more campaign's batch has completed, which is when BullMQ removes finished jobs
 * older than removeOnComplete.age (it only does so when another job finishes). Figures are our keys' own
 * MEMORY USAGE, because used_memory also moves with whatever else runs meanwhile.
 */
const { sleep, waitFor } = require('../measure');
const { campaignTimeoutMs, enqueueTimeoutMs } = require('../pipeline-run');
const { smsq, runToEnd } = require('../processes');
const { recipientsFile } = require('../recipients-file');
const { deletePrefix, memoryByKind, usedMemory, waitForCampaign, waitForWorkers } = require('../redis');

async function campaign(ctx, env, prefix, size, file) {
  const worker = smsq('expiry-worker', ['worker'], { env });
  try {
    await waitForWorkers(ctx.redis, prefix, 'batches', 1);
    const enq = await runToEnd(smsq('expiry-enqueue', ['enqueue', file, '--content', ctx.content], { env }), {
      timeoutMs: enqueueTimeoutMs(size),
    });
    const campaignId = enq.stdout.trim();
    await waitForCampaign(ctx.redis, prefix, campaignId, size, campaignTimeoutMs(size));
    return campaignId;
  } finally {
    await worker.stop();
  }
}

async function expiryStart(ctx) {
  const prefix = `${ctx.prefix}-fp`;
  const retention = ctx.opts.expiryRetentionSeconds;
  const env = { ...ctx.env, QUEUE_PREFIX: prefix, RESULT_RETENTION_SECONDS: String(retention) };
  const size = ctx.opts.sizes.expiry;
  const mem0 = await usedMemory(ctx.redis);
  const campaignId = await campaign(ctx, env, prefix, size, recipientsFile(size));
  const retained = await memoryByKind(ctx.redis, prefix);
  const state = {
    prefix,
    env,
    size,
    campaignId,
    retention,
    doneAt: Date.now(),
    retainedUsed: (await usedMemory(ctx.redis)) - mem0,
    retained,
  };
  ctx.log(`expiry: ${size.toLocaleString('en')}-recipient campaign done with ${retention} s retention; measured again at the end`);
  return state;
}

async function expiryFinish(ctx, s) {
  const { redis } = ctx;
  const wait = s.doneAt + s.retention * 1000 + 1_000 - Date.now();
  if (wait > 0) {
    ctx.log(`expiry: waiting ${Math.ceil(wait / 1000)} s for the retention to pass`);
    await sleep(wait);
  }
  // Redis expires keys in a background cycle; give it a bounded moment to reach ours.
  await waitFor(async () => (await redis.exists(`${s.prefix}:campaign:${s.campaignId}`)) === 0, {
    what: 'the campaign hash to expire',
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  const afterTtl = await memoryByKind(redis, s.prefix);
  const trigger = await campaign(ctx, s.env, s.prefix, 1, recipientsFile(1));
  const afterNextJob = await memoryByKind(redis, s.prefix, trigger);
  await deletePrefix(redis, s.prefix);
  const perRecipient = (m) => ({
    bytesPerRecipient: m.total / s.size,
    kinds: Object.fromEntries(Object.entries(m.kinds).map(([k, v]) => [k, { keys: v.keys, bytes: v.bytes }])),
  });
  return {
    size: s.size,
    retentionSeconds: s.retention,
    retainedUsedBytesPerRecipient: s.retainedUsed / s.size,
    retained: perRecipient(s.retained),
    afterTtl: perRecipient(afterTtl),
    afterNextJob: perRecipient(afterNextJob),
  };
}

module.exports = { expiryStart, expiryFinish };
