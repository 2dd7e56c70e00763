'use strict';
/**
 * Starting and stopping the processes the bench measures. Each is its own `node` process, as in production,
 * preloaded with usage-preload.js. Every process still running is tracked, so that a failure or Ctrl-C can stop
 * them all.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { CpuSeries, cpuSeconds, peakRssKb, waitFor } = require('./measure');

const ROOT = path.resolve(__dirname, '..');
const SMSQ = path.join(ROOT, 'bin', 'smsq');
const PRELOAD = path.join(__dirname, 'usage-preload.js');
const LOGS = path.join(__dirname, 'results', 'tmp', 'logs');

/** A graceful stop waits this long (the worker's own SHUTDOWN_GRACE_MS is 30 s) before SIGKILL. */
const STOP_GRACE_MS = 40_000;

const running = new Set();
let started = 0;
/** Set by stopAll: the scenario still running when Ctrl-C comes must not start anything after the cleanup. */
let stopping = false;

/** smsq's configuration variables: inherited values are dropped so that every run measures the documented defaults. */
const SMSQ_VARS =
  /^(REDIS_URL|REDIS_DURABILITY|REDIS_SENTINEL|QUEUE_PREFIX|SMS_|WORKER_|RESULT_RETENTION|EVENTS_MAX_LEN|SHUTDOWN_GRACE|LOG_LEVEL|SIM_|DLR_|RECONCILE_)/;

/**
 * The deliberate exceptions: BENCH_DLR_TRACKING=false measures smsq with delivery tracking off, and
 * BENCH_REDIS_DURABILITY=replica|aof with REDIS_DURABILITY (against a --redis-url that has a replica).
 */
function childEnv(vars) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SMSQ_VARS.test(k)));
  const tracking = process.env.BENCH_DLR_TRACKING ? { DLR_TRACKING: process.env.BENCH_DLR_TRACKING } : {};
  const durability = process.env.BENCH_REDIS_DURABILITY ? { REDIS_DURABILITY: process.env.BENCH_REDIS_DURABILITY } : {};
  return { ...env, ...tracking, ...durability, ...vars };
}

/**
 * Runs `node [nodeArgs] -r usage-preload SCRIPT ARGS`. stderr goes to results/tmp/logs/<name>-<n>.log; stdout is
 * captured (`child.stdout()`) or written to `stdoutFile`; stdin is `stdinFile` when given. `child.exited` resolves to
 * `{ code, signal, wallMs, maxRssKb, cpuS, stdout }` and never rejects once the process has started.
 */
function startNode(name, script, args, { env, nodeArgs = [], stdoutFile, stdinFile } = {}) {
  if (stopping) throw new Error(`not starting ${name}: the bench is stopping`);
  const id = `${name}-${++started}`;
  fs.mkdirSync(LOGS, { recursive: true });
  const usageFile = path.join(LOGS, `${id}.usage.json`);
  const logFd = fs.openSync(path.join(LOGS, `${id}.log`), 'w');
  const outFd = stdoutFile ? fs.openSync(stdoutFile, 'w') : 'pipe';
  const inFd = stdinFile ? fs.openSync(stdinFile, 'r') : 'ignore';
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...nodeArgs, '-r', PRELOAD, script, ...args], {
    cwd: ROOT,
    env: { ...env, BENCH_USAGE_FILE: usageFile },
    stdio: [inFd, outFd, logFd],
  });
  fs.closeSync(logFd);
  if (stdinFile) fs.closeSync(inFd);
  if (stdoutFile) fs.closeSync(outFd);

  let out = '';
  proc.stdout?.setEncoding('utf8').on('data', (s) => (out += s));
  // CPU over time, to tell how busy the process was during a run's send window; the last readings are also the
  // fallback figures for a process killed before it could write its usage file.
  let polledRssKb = 0;
  let polledCpuS = null;
  const cpu = new CpuSeries();
  const poll = setInterval(() => {
    polledRssKb = Math.max(polledRssKb, peakRssKb(proc.pid) ?? 0);
    const c = cpuSeconds(proc.pid);
    if (c !== null) cpu.add(Date.now(), (polledCpuS = c));
  }, 50).unref();

  const child = { name: id, proc, pid: proc.pid, logFile: path.join(LOGS, `${id}.log`), stdout: () => out, cpu };
  running.add(child);
  child.exited = new Promise((resolve, reject) => {
    let wallMs;
    proc.once('error', (err) => {
      clearInterval(poll);
      running.delete(child);
      reject(new Error(`${id} could not start: ${err.message}`));
    });
    proc.once('exit', () => (wallMs = performance.now() - t0));
    proc.once('close', (code, signal) => {
      clearInterval(poll);
      running.delete(child);
      let usage = { maxRssKb: polledRssKb || null, cpuS: polledCpuS };
      try {
        usage = JSON.parse(fs.readFileSync(usageFile, 'utf8'));
        fs.rmSync(usageFile);
      } catch {
        // No usage file: the process was killed; the polled figures stand.
      }
      resolve({ code, signal, wallMs, ...usage, stdout: out });
    });
  });
  child.stop = (graceMs = STOP_GRACE_MS) => stopChild(child, graceMs);
  return child;
}

async function stopChild(child, graceMs) {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGTERM');
  let timer;
  const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve(true), graceMs)));
  if (await Promise.race([child.exited.then(() => false), timedOut])) child.proc.kill('SIGKILL');
  clearTimeout(timer);
  return child.exited;
}

/** Stops every process the bench started and has not stopped yet (used on failure and Ctrl-C). */
async function stopAll(graceMs = 5_000) {
  stopping = true;
  await Promise.allSettled([...running].map((c) => c.stop(graceMs)));
}

/** Forgets the logs of the previous bench, so that results/tmp/logs holds this one's only. */
function clearLogs() {
  fs.rmSync(LOGS, { recursive: true, force: true });
}

function smsq(name, args, opts) {
  return startNode(name, SMSQ, args, opts);
}

/** Runs a command to its end; throws with its log file named when it fails. */
async function runToEnd(child, { timeoutMs }) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${child.name} did not finish within ${timeoutMs / 1000} s (log: ${child.logFile})`)),
      timeoutMs,
    );
  });
  try {
    const exit = await Promise.race([child.exited, timeout]);
    if (exit.code !== 0)
      throw new Error(
        `${child.name} exited with ${exit.code ?? exit.signal} (log: ${child.logFile}):\n${fs.readFileSync(child.logFile, 'utf8').slice(-2000)}`,
      );
    return exit;
  } finally {
    clearTimeout(timer);
  }
}

/** The gateway simulator as its own process on a free port; it prints its base URL once it listens. */
async function startSimulator(env, nodeArgs = []) {
  const child = smsq('simulator', ['simulator', '--port', '0'], { env, nodeArgs });
  const baseUrl = await waitFor(
    () => {
      if (child.proc.exitCode !== null)
        throw new Error(`the simulator exited at once:\n${fs.readFileSync(child.logFile, 'utf8').slice(0, 2000)}`);
      return /listening on (\S+)/.exec(child.stdout())?.[1];
    },
    { what: 'the simulator to listen', timeoutMs: 15_000 },
  );
  return { child, baseUrl, controlUrl: baseUrl.replace(/\/sms$/, '/__sim') };
}

module.exports = { childEnv, clearLogs, startNode, smsq, runToEnd, stopAll, startSimulator };
