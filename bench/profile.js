'use strict';
/**
 * `--profile`: one 1-worker campaign with the instant gateway, its producer, worker and results export each run
 * under `node --cpu-prof`, then where each spent its CPU: self time by source (our dist/ files, each package,
 * Node internals, GC) and the functions with the most self time. Profiles stay in bench/results/tmp/profiles
 * for Chrome DevTools or speedscope. With `--only personalised`, the campaign is the personalised scenario's
 * template and file, and the simulator is profiled too (run.js starts it with these node arguments).
 */
const fs = require('node:fs');
const path = require('node:path');
const { runPipeline } = require('./pipeline-run');
const { recipientsFile, personalisedFile } = require('./recipients-file');
const { TEMPLATE } = require('./scenarios/personalised');
const { exportResults } = require('./scenarios/results-export');

const DIR = path.join(__dirname, 'results', 'tmp', 'profiles');
const TOP = 12;
const PROFILE_NODE_ARGS = ['--cpu-prof', '--cpu-prof-dir', DIR];

/** `--profile --only personalised`: the personalised campaign rather than the instant one. */
const profilesPersonalised = (opts) => opts.scenarios.size === 1 && opts.scenarios.has('personalised');

async function profile(ctx) {
  const personalised = profilesPersonalised(ctx.opts);
  // The simulator, started before, writes its profile only when it exits.
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
  const size = personalised ? ctx.opts.sizes.personalised : ctx.opts.sizes.instant;
  const nodeArgs = PROFILE_NODE_ARGS;
  const campaign = personalised ? { file: personalisedFile(size).file, content: TEMPLATE } : { file: recipientsFile(size) };
  const run = await runPipeline(ctx, {
    workers: 1,
    size,
    ...campaign,
    nodeArgs,
    afterSend: (id) => exportResults(ctx, id, size, nodeArgs),
  });
  // The simulator writes its profile when it exits.
  if (personalised) await ctx.sim.child.stop();
  ctx.log(`profiled run: ${Math.round(run.rate).toLocaleString('en')} recipients/s (slower than unprofiled); profiles in ${DIR}`);
  // V8 stamps samples with the monotonic clock (µs) that process.hrtime also reads: this maps the ledger's
  // first and last send (ms since the epoch) onto it, to look at the worker while it was sending only.
  const offsetUs = Number(process.hrtime.bigint() / 1000n) - Date.now() * 1000;
  const window = [run.firstSendAt * 1000 + offsetUs, run.lastSendAt * 1000 + offsetUs];
  const out = [];
  for (const file of fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()) {
    const prof = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
    const role = describe(prof);
    const sending = role === 'smsq worker' && window[0] >= prof.startTime && window[1] <= prof.endTime;
    out.push('', `${file}: ${role}${sending ? ', from its first send to its last' : ''}`, summary(prof, sending ? window : null));
  }
  return out.join('\n');
}

/** The process's role, from the functions it ran (the file name only has a pid). */
function describe(prof) {
  const urls = new Set(prof.nodes.map((n) => n.callFrame.url));
  const has = (s) => [...urls].some((u) => u.includes(s));
  if (has('commands/worker.js')) return 'smsq worker';
  if (has('commands/enqueue.js')) return 'smsq enqueue';
  if (has('commands/results.js')) return 'smsq results';
  if (has('simulator/server.js')) return 'simulator';
  return 'other';
}

function summary(prof, window) {
  const self = new Map();
  let t = prof.startTime;
  prof.samples.forEach((id, i) => {
    t += prof.timeDeltas[i] ?? 0;
    if (!window || (t >= window[0] && t <= window[1])) self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bySource = new Map();
  const byOwner = new Map();
  const byFunction = new Map();
  const add = (m, k, t) => m.set(k, (m.get(k) ?? 0) + t);
  for (const node of prof.nodes) {
    const t = self.get(node.id) ?? 0;
    if (t === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    add(bySource, source(url, functionName), t);
    add(byFunction, `${functionName || '(anonymous)'} ${url ? `${short(url)}:${lineNumber + 1}` : ''}`.trim(), t);
    // Native code and Node internals are charged to the nearest caller in dist/ or in a package, so that
    // "writeUtf8String" shows up as the library that writes so many strings.
    let owner = node;
    while (owner && !isOwnCode(owner.callFrame.url) && parent.has(owner.id)) owner = byId.get(parent.get(owner.id));
    add(byOwner, owner && isOwnCode(owner.callFrame.url) ? source(owner.callFrame.url) : source(url, functionName), t);
  }
  const top = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([k, t]) => `    ${((t / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
  const idle = (self.get(prof.nodes.find((n) => n.callFrame.functionName === '(idle)')?.id) ?? 0) / total;
  return [
    `  ${(total / 1e6).toFixed(2)} s sampled, ${(idle * 100).toFixed(0)}% idle; self time by source:`,
    ...top(bySource),
    '  charging native code and Node internals to their caller:',
    ...top(byOwner),
    '  by function:',
    ...top(byFunction),
  ].join('\n');
}

const isOwnCode = (url) => Boolean(url) && !url.startsWith('node:');

function source(url, fn) {
  if (!url) return fn; // (garbage collector), (program), (idle)
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  return short(url);
}

const short = (url) => url.replace(/^file:\/\//, '').replace(/^.*\/(dist|bench|node_modules)\//, '$1/');

module.exports = { profile, profilesPersonalised, PROFILE_NODE_ARGS };
