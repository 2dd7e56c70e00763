'use strict';
/**
 * Fair lanes (issue 10): a big `low` campaign sends at full speed through one worker while, every
 * `fairnessIntervalMs`, a backend queues a 1-recipient `high` campaign and a 1,000-recipient `normal` one. Measured:
 * the time from each small campaign's enqueue (a library call in a long-lived producer, as a backend makes it) to
 * its last message's answer, and the big campaign's rate against the same run without the small ones. Run once
 * with the instant gateway and once with every answer delayed (200 ms).
 */
const path = require('node:path');
const { smsq, runToEnd } = require('../processes');
const { deletePrefix, sampleRedisCpu, waitForCampaign, waitForWorkers } = require('../redis');
const { recipientsFile } = require('../recipients-file');
const simulator = require('../simulator-client');
const { campaignTimeoutMs, enqueueTimeoutMs } = require('../pipeline-run');

const DIST = path.resolve(__dirname, '..', '..', 'dist');
/** Small campaigns' numbers: outside the big file's range (447700000000…), so the ledger tells them apart. */
const HIGH_FIRST = 449_100_000_000;
const NORMAL_FIRST = 449_200_000_000;
const SMALL_SIZE = 1_000;

const fmt = (n) => Math.round(n).toLocaleString('en');

async function fairnessScenario(ctx) {
  const size = ctx.opts.sizes.fairness;
  const file = recipientsFile(size);
  const out = { size, intervalMs: ctx.opts.fairnessIntervalMs, gateways: {} };
  for (const latencyMs of [0, ctx.opts.slowLatencyMs]) {
    const g = (out.gateways[latencyMs] = { alone: [], mixed: [] });
    await simulator.setFaults(ctx.sim, { latencyMs });
    try {
      for (let i = 1; i <= ctx.opts.runs; i++) {
        const label = `fairness ${i}/${ctx.opts.runs}, gateway ${latencyMs} ms`;
        const alone = await ctx.load.undisturbed(`${label}, alone`, () => runOnce(ctx, { file, size, latencyMs, smalls: false }));
        const mixed = await ctx.load.undisturbed(`${label}, with small campaigns`, () =>
          runOnce(ctx, { file, size, latencyMs, smalls: true }),
        );
        mixed.rateRatio = mixed.bigRate / alone.bigRate;
        g.alone.push(alone);
        g.mixed.push(mixed);
        ctx.log(
          `${label}: big low ${fmt(alone.bigRate)}/s alone, ${fmt(mixed.bigRate)}/s with ${mixed.high.length} high + ${mixed.normal.length} normal campaigns; ` +
            `high p50/p99 ${fmt(mixed.highP50)}/${fmt(mixed.highP99)} ms, normal p50/p99 ${fmt(mixed.normalP50)}/${fmt(mixed.normalP99)} ms`,
        );
      }
    } finally {
      await simulator.setFaults(ctx.sim, { latencyMs: 0 });
    }
  }
  return out;
}

async function runOnce(ctx, { file, size, latencyMs, smalls }) {
  const { redis, prefix, sim, env } = ctx;
  await deletePrefix(redis, prefix);
  await simulator.reset(sim);
  const worker = smsq('worker', ['worker'], { env });
  // The backend: one producer for the whole run, in this process, as an application holds it.
  const { createProducer } = require(path.join(DIST, 'producer'));
  const { loadConfig } = require(path.join(DIST, 'shared', 'load-config'));
  const { createLogger } = require(path.join(DIST, 'shared', 'logger'));
  const producer = await createProducer(loadConfig(env), createLogger('warn'));
  try {
    await waitForWorkers(redis, prefix, 'batches', 1);
    await ctx.load.waitQuiet();
    const redisCpu = sampleRedisCpu(redis);
    const enq = smsq('enqueue', ['enqueue', file, '--content', ctx.content, '--priority', 'low'], { env });
    const queued = { high: [], normal: [] };
    let bigDone = false;
    const enqueued = runToEnd(enq, { timeoutMs: enqueueTimeoutMs(size) }).then(async (exit) => {
      await waitForCampaign(redis, prefix, exit.stdout.trim(), size, campaignTimeoutMs(size));
      bigDone = true;
    });
    if (smalls) {
      // The first pair once the big campaign is sending, then one pair per interval until it has finished.
      await waitForFirstSend(ctx);
      for (let k = 0; !bigDone; k++) {
        const tick = Date.now();
        const high = Date.now();
        const h = await producer.enqueueCampaign({
          content: `urgent ${k}`,
          priority: 'high',
          recipients: [{ number: String(HIGH_FIRST + k) }],
        });
        queued.high.push({ id: h.campaignId, at: high, first: HIGH_FIRST + k, size: 1 });
        const normal = Date.now();
        const list = Array.from({ length: SMALL_SIZE }, (_, i) => ({ number: String(NORMAL_FIRST + k * SMALL_SIZE + i) }));
        const n = await producer.enqueueCampaign({ content: `reminder ${k}`, recipients: list });
        queued.normal.push({ id: n.campaignId, at: normal, first: NORMAL_FIRST + k * SMALL_SIZE, size: SMALL_SIZE });
        await Promise.race([enqueued, new Promise((r) => setTimeout(r, Math.max(0, ctx.opts.fairnessIntervalMs - (Date.now() - tick))))]);
      }
    }
    await enqueued;
    for (const c of [...queued.high, ...queued.normal]) await waitForCampaign(redis, prefix, c.id, c.size, 60_000);
    redisCpu.stop();
    const sends = await ledgerSends(sim);
    const [from, to] = [sends.bigFirst, sends.bigLast];
    const ownCpuS =
      worker.cpu.between(from, to) + enq.cpu.between(from, to) + sim.child.cpu.between(from, to) + redisCpu.series.between(from, to);
    const done = (c) => {
      let last = 0;
      for (let i = 0; i < c.size; i++) last = Math.max(last, sends.small.get(String(c.first + i)) ?? Infinity);
      return last + latencyMs - c.at;
    };
    const high = queued.high.map(done);
    const normal = queued.normal.map(done);
    return {
      latencyMs,
      bigRate: (size / Math.max(sends.bigLast + latencyMs - sends.bigFirst, 1)) * 1000,
      high,
      normal,
      highP50: percentile(high, 0.5),
      highP99: percentile(high, 0.99),
      normalP50: percentile(normal, 0.5),
      normalP99: percentile(normal, 0.99),
      otherCores: ctx.load.otherCores(from, to, ownCpuS),
    };
  } finally {
    await producer.close();
    await worker.stop();
  }
}

/** Waits until the simulator has accepted anything: the big campaign is sending. */
async function waitForFirstSend(ctx) {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if ((await simulator.stats(ctx.sim)).accepted > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the big campaign sent nothing within 60 s');
}

/** From the ledger: the big campaign's first and last send, and each small campaign's number → send time. */
async function ledgerSends(sim) {
  const result = { bigFirst: Infinity, bigLast: 0, small: new Map() };
  await simulator.eachLedgerLine(sim, (s) => {
    const at = /"at":(\d+)/.exec(s);
    const number = /"number":"(\d+)"/.exec(s);
    if (!at || !number) return;
    const t = Number(at[1]);
    if (number[1].startsWith('4491') || number[1].startsWith('4492')) result.small.set(number[1], t);
    else {
      result.bigFirst = Math.min(result.bigFirst, t);
      result.bigLast = Math.max(result.bigLast, t);
    }
  });
  return result;
}

function percentile(values, p) {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)];
}

module.exports = { fairnessScenario };
