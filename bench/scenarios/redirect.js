'use strict';
/**
 * Tracked links (issue 27): the redirects `smsq server` answers. One completed campaign's hash and N links of it
 * (one per recipient, batches of 1000), stored by the product's own LinkStore from dist/ as a worker stores them;
 * then `smsq server` with LINK_BASE_URL, pinned to one CPU where `taskset` exists, and bench/click-load.js as a
 * process of its own following random codes (one in ten as a link-preview robot) over 64 keep-alive connections.
 *
 * Each run has three phases. The baseline, bench/baselines/bare-redirect.js (Node's http server answering the same
 * 302s from memory) on the same CPU with 64 requests always in flight: one Node process's ceiling. Closed: smsq
 * server under that same load, the most it answers (its latency is mostly queueing behind the other 63). Paced: the
 * target rate offered on a schedule, latency counted from when each request was due: what a visitor waits at that
 * load. After each phase of smsq's the campaign's counters must have moved by exactly what was answered: `clicks` by
 * the browsers' 302s, `linkPreviews` by the robots', and `clickers` by the recipients clicked for the first time.
 */
const { execFileSync } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { waitFor } = require('../measure');
const { smsq, startNode, runToEnd } = require('../processes');
const { deletePrefix, memoryByKind, sampleRedisCpu, usedMemory } = require('../redis');
const { TARGETS } = require('../targets');

const DIST = path.join(__dirname, '..', '..', 'dist');
const LOAD = path.join(__dirname, '..', 'click-load.js');
const BARE = path.join(__dirname, '..', 'baselines', 'bare-redirect.js');
const TMP = path.join(__dirname, '..', 'results', 'tmp');
const BASE_URL = 'https://s.example.com';
/** The URL each link points to, as long as a shop's order link with a campaign tag (the stored value grows with it). */
const urlOf = (i) => `https://shop.example.com/orders/A${100000 + i}?utm_source=sms`;
const BATCH_SIZE = 1000;
/** Links stored per LinkStore.store call, as a worker stores one batch's, and calls in flight while setting up. */
const STORE_CALLS_IN_FLIGHT = 4;
const CONNECTIONS = 64;
const fmt = (n) => Math.round(n).toLocaleString('en');

async function redirectScenario(ctx) {
  const { redis, prefix } = ctx;
  const size = ctx.opts.sizes.redirectLinks;
  const seconds = ctx.opts.quick ? 4 : 10;
  const warmupSeconds = ctx.opts.quick ? 1 : 2;
  const env = { ...ctx.env, LINK_BASE_URL: BASE_URL };
  await deletePrefix(redis, prefix);
  const { codesFile, ...setup } = await storeLinks(ctx, env, size);
  ctx.log(
    `redirect: ${fmt(size)} links stored in ${fmt(setup.storeMs)} ms (${fmt(setup.storeRate)}/s); ${setup.bytesPerLink.toFixed(0)} B of Redis per link`,
  );

  const server = smsq('link-server', ['server', '--port', '0'], { env });
  const bare = startNode('bare-redirect', BARE, [codesFile], { env: ctx.env });
  try {
    const url = await listening(server, /smsq server on (\S+)/);
    const bareUrl = await listening(bare, /listening on (\S+)/);
    // Each server on the same core of its own (Redis and others may still run there), the load generator on another.
    const cpu = os.cpus().length - 1;
    const pinnedCpu = pin(server.pid, cpu);
    pin(bare.pid, cpu);
    ctx.log(`redirect: smsq server at ${url}, ${pinnedCpu === null ? 'not pinned (no taskset)' : `pinned to CPU ${pinnedCpu}`}`);
    const load = { pinnedCpu, codesFile, seconds, warmupSeconds };
    const out = {
      size,
      seconds,
      warmupSeconds,
      connections: CONNECTIONS,
      url: urlOf(0),
      pinnedCpu,
      setup,
      bare: [],
      closed: [],
      paced: [],
      checks: [],
    };
    // Every recipient clicked so far (by a browser, answered 302): `clickers` must always be their number.
    const clicked = new Uint8Array(size);
    // Checked for every phase measured, those measured again included: each one's requests all reach the counters.
    const phase = (label, mode, rate) =>
      ctx.load.undisturbed(label, async () => {
        const before = await counters(redis, prefix, setup.campaignId);
        const run = await runLoad(ctx, { ...load, target: server, url, mode, rate });
        const after = await counters(redis, prefix, setup.campaignId);
        Buffer.from(run.all.clicked, 'base64').forEach((v, i) => (clicked[i] |= v));
        const clickedSoFar = clicked.reduce((n, v) => n + v, 0);
        const check = checkCounts(run, before, after, clickedSoFar);
        out.checks.push({ phase: label, ...check });
        if (!check.ok) ctx.log(`redirect: COUNT CHECK FAILED in ${label}: ${check.problems.join('; ')}`);
        return run;
      });
    for (let i = 1; i <= ctx.opts.runs; i++) {
      const label = `redirect ${i}/${ctx.opts.runs}`;
      const baseline = await ctx.load.undisturbed(`${label}, bare node:http`, async () => {
        const run = await runLoad(ctx, { ...load, target: bare, url: bareUrl, mode: 'closed' });
        const problems = answerProblems(run.all);
        out.checks.push({ phase: `${label}, bare node:http`, ok: problems.length === 0, problems });
        return run;
      });
      const closed = await phase(`${label}, ${CONNECTIONS} in flight`, 'closed');
      const paced = await phase(`${label}, paced at ${fmt(TARGETS.redirectRate.value)}/s`, 'paced', TARGETS.redirectRate.value);
      closed.ofBare = closed.rate / baseline.rate;
      out.bare.push(baseline);
      out.closed.push(closed);
      out.paced.push(paced);
      ctx.log(
        `${label}: ${fmt(closed.rate)}/s with ${CONNECTIONS} in flight (server ${closed.serverCores.toFixed(2)} cores, p99 ${closed.latencyMs.p99.toFixed(1)} ms), ` +
          `bare node:http ${fmt(baseline.rate)}/s; paced ${fmt(paced.rate)}/s: p50 ${paced.latencyMs.p50.toFixed(2)} ms, p99 ${paced.latencyMs.p99.toFixed(2)} ms, max ${paced.latencyMs.max.toFixed(1)} ms`,
      );
    }
    for (const run of [...out.bare, ...out.closed, ...out.paced]) delete run.all.clicked;
    const clicks = await memoryByKind(redis, prefix);
    const clickers = Number(await redis.hget(`${prefix}:campaign:${setup.campaignId}`, 'clickers'));
    out.clickRecordBytesPerClicker = (clicks.kinds['click records']?.bytes ?? 0) / Math.max(clickers, 1);
    out.clickers = clickers;
    out.serverRssMb = (await server.stop()).maxRssKb / 1024;
    // A wrong count spoils no figure, but it is a bug: the bench still prints its table, and exits non-zero.
    if (out.checks.some((c) => !c.ok)) process.exitCode = 1;
    return out;
  } finally {
    await Promise.all([server.stop(), bare.stop()]);
    await deletePrefix(redis, prefix);
  }
}

/** The address a server process prints once it listens. */
function listening(child, pattern) {
  return waitFor(
    () => {
      if (child.proc.exitCode !== null) throw new Error(`${child.name} exited at once (log: ${child.logFile})`);
      return pattern.exec(child.stdout())?.[1];
    },
    { what: `${child.name} to listen`, timeoutMs: 20_000 },
  );
}

/**
 * The campaign's hash as a completed campaign leaves it (expiring with its results), and `size` links of it stored
 * with LinkStore.store a batch at a time; the codes go to a file for the load generator.
 */
async function storeLinks(ctx, env, size) {
  const { loadConfig } = require(path.join(DIST, 'shared', 'load-config'));
  const { keys } = require(path.join(DIST, 'shared', 'redis', 'keys'));
  const { LinkStore } = require(path.join(DIST, 'shared', 'links', 'link-store'));
  const config = loadConfig(env);
  const retentionMs = config.resultRetentionSeconds * 1000;
  const store = new LinkStore(ctx.redis, keys(ctx.prefix), retentionMs, config.webhooks.maxQueued);
  const campaignId = randomUUID();
  const campaign = `${ctx.prefix}:campaign:${campaignId}`;
  await ctx.redis.hset(campaign, {
    content: 'Your order is on its way: https://shop.example.com/orders/{{order}}?utm_source=sms',
    linkBase: config.links.baseUrl,
    state: 'completed',
    total: size,
    sent: size,
    batches: Math.ceil(size / BATCH_SIZE),
  });
  await ctx.redis.pexpire(campaign, retentionMs);

  const mem0 = await usedMemory(ctx.redis);
  const codes = new Array(size);
  const t0 = Date.now();
  let next = 0;
  const lane = async () => {
    for (let batch = next++; batch * BATCH_SIZE < size; batch = next++) {
      const first = batch * BATCH_SIZE;
      const entries = Array.from({ length: Math.min(BATCH_SIZE, size - first) }, (_, index) => ({
        batch,
        index,
        url: urlOf(first + index),
      }));
      const stored = await store.store(campaignId, entries, false);
      stored.forEach((code, j) => (codes[first + j] = code));
    }
  };
  await Promise.all(Array.from({ length: STORE_CALLS_IN_FLIGHT }, lane));
  const storeMs = Date.now() - t0;
  const mem1 = await usedMemory(ctx.redis);
  const links = (await memoryByKind(ctx.redis, ctx.prefix)).kinds['tracked links'];
  fs.mkdirSync(TMP, { recursive: true });
  const codesFile = path.join(TMP, 'link-codes.txt');
  fs.writeFileSync(codesFile, codes.map((code, i) => `${code}\t${urlOf(i)}\n`).join(''));
  return {
    campaignId,
    codesFile,
    storeMs,
    storeRate: (size / Math.max(storeMs, 1)) * 1000,
    buckets: links.keys,
    bytesPerLink: links.bytes / size,
    usedMemoryPerLink: (mem1 - mem0) / size,
    valueBytes: Buffer.byteLength(`${campaignId}\t0\t0\t\t${urlOf(0)}`),
  };
}

/** Pins every thread of `pid` to `cpu`; null where taskset is missing or refuses (one CPU only, say). */
function pin(pid, cpu) {
  if (cpu < 0) return null;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore', timeout: 5_000 });
    return cpu;
  } catch {
    return null;
  }
}

/** One phase of load: the load generator's own figures, and what the server and Redis spent in its window. */
async function runLoad(ctx, { target, pinnedCpu, url, codesFile, mode, seconds, warmupSeconds, rate }) {
  const quietBefore = await ctx.load.waitQuiet();
  const redisCpu = sampleRedisCpu(ctx.redis);
  let exit;
  try {
    const args = [url, codesFile, mode, String(seconds), String(warmupSeconds), String(CONNECTIONS), String(rate ?? 0)];
    const load = startNode('click-load', LOAD, args, { env: ctx.env });
    if (pinnedCpu !== null) pin(load.pid, pinnedCpu - 1);
    exit = await runToEnd(load, { timeoutMs: (seconds + warmupSeconds) * 1000 + 90_000 });
  } finally {
    redisCpu.stop();
  }
  const r = JSON.parse(exit.stdout);
  const windowS = r.windowMs / 1000;
  const serverCpuS = target.cpu.between(r.startAt, r.endAt);
  const redisCpuS = redisCpu.series.between(r.startAt, r.endAt);
  const commands = redisCpu.commands.between(r.startAt, r.endAt) ?? {};
  const scriptsUsec = ['evalsha', 'eval'].reduce((s, n) => s + (commands[n]?.usec ?? 0), 0);
  return {
    ...r,
    serverCores: serverCpuS / windowS,
    loadCores: r.cpuS / windowS,
    redisCores: redisCpuS / windowS,
    serverCpuUsPerRedirect: (serverCpuS * 1e6) / Math.max(r.answered, 1),
    redisCpuUsPerRedirect: (redisCpuS * 1e6) / Math.max(r.answered, 1),
    scriptUsecPerRedirect: scriptsUsec / Math.max(r.answered, 1),
    otherCores: ctx.load.otherCores(r.startAt, r.endAt, serverCpuS + redisCpuS + r.cpuS),
    quietBefore,
  };
}

async function counters(redis, prefix, campaignId) {
  const [clicks, clickers, previews] = await redis.hmget(`${prefix}:campaign:${campaignId}`, 'clicks', 'clickers', 'linkPreviews');
  return { clicks: Number(clicks ?? 0), clickers: Number(clickers ?? 0), previews: Number(previews ?? 0) };
}

/**
 * Every answer a 302, and the campaign's counters moved by what was answered, warm-up included: `clicks` by the
 * browsers' 302s, `linkPreviews` by the robots', and `clickers` is the number of recipients clicked so far.
 */
function checkCounts(run, before, after, clickedSoFar) {
  const all = run.all;
  const problems = answerProblems(all);
  const answered = all.statuses['302'] ?? 0;
  const clicks = after.clicks - before.clicks;
  const previews = after.previews - before.previews;
  if (clicks + previews !== answered) problems.push(`clicks + linkPreviews grew by ${clicks + previews}, ${answered} answered 302`);
  if (previews !== all.robots302) problems.push(`linkPreviews grew by ${previews}, robots were answered ${all.robots302} times`);
  if (after.clickers !== clickedSoFar) problems.push(`clickers is ${after.clickers}, ${clickedSoFar} recipients were clicked`);
  return { ok: problems.length === 0, problems, answered302: answered, clicks, previews, clickers: after.clickers, clickedSoFar };
}

/** Every request of a load generator's run answered, each with a 302. */
function answerProblems(all) {
  const problems = [];
  const others = Object.entries(all.statuses).filter(([s]) => s !== '302');
  if (others.length > 0) problems.push(`answers other than 302: ${others.map(([s, n]) => `${n}× ${s}`).join(', ')}`);
  if (all.errors > 0) problems.push(`${all.errors} requests failed or timed out`);
  if (all.unanswered + all.neverSent > 0) problems.push(`${all.unanswered + all.neverSent} requests unanswered or never sent at the end`);
  return problems;
}

module.exports = { redirectScenario };
