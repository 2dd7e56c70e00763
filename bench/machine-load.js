'use strict';
/**
 * The whole machine's CPU use, read from /proc/stat every 100 ms. Other work on the same cores (a test suite,
 * another bench) slows every figure, so each run records how many cores something other than the measured
 * processes used while it sent, and waits for a quiet moment before it starts.
 */
const fs = require('node:fs');
const os = require('node:os');
const { CpuSeries, sleep } = require('./measure');

const CLOCK_TICKS = 100;
/** Other work below this many cores counts as quiet: a Redis serving someone else's idle connections, say. */
const QUIET_CORES = 0.25;
/** A run waits at most this long for quiet, then starts anyway and its `otherCores` says it was disturbed. */
const QUIET_WAIT_MS = 10_000;
/** A run during which other work used this many cores is measured again, at most twice. */
const DISTURBED_CORES = 0.4;
const MAX_REMEASURES = 2;

function busySeconds() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + (steal ?? 0)) / CLOCK_TICKS;
}

/** `deadline` (ms since the epoch): no run is measured again after it, so a busy machine cannot stretch the bench. */
function startMachineLoad({ deadline, log }) {
  const machine = new CpuSeries();
  const bench = new CpuSeries();
  const read = () => {
    const now = Date.now();
    machine.add(now, busySeconds());
    const u = process.cpuUsage();
    bench.add(now, (u.user + u.system) / 1e6);
  };
  read();
  const timer = setInterval(read, 100).unref();
  return {
    cores: os.cpus().length,
    /** Cores used between two moments by everything except this bench process and `ownCpuS` (CPU s of ours). */
    otherCores(fromMs, toMs, ownCpuS) {
      const seconds = Math.max(toMs - fromMs, 1) / 1000;
      return Math.max(0, machine.between(fromMs, toMs) - bench.between(fromMs, toMs) - ownCpuS) / seconds;
    },
    /** Waits (bounded) until the last second was quiet; returns the other load it started with. */
    async waitQuiet() {
      const deadline = Date.now() + QUIET_WAIT_MS;
      for (;;) {
        await sleep(1_000);
        const other = this.otherCores(Date.now() - 1_000, Date.now(), 0);
        if (other < QUIET_CORES || Date.now() > deadline) return other;
      }
    },
    /**
     * Runs `measure` (which returns a run with `otherCores`) again while other work disturbed it; the run kept
     * lists the other load of those it replaced.
     */
    async undisturbed(label, measure) {
      const replaced = [];
      for (;;) {
        const run = await measure();
        if (run.otherCores < DISTURBED_CORES || replaced.length === MAX_REMEASURES || Date.now() > deadline) {
          return replaced.length > 0 ? { ...run, replaced } : run;
        }
        replaced.push(run.otherCores);
        log(`${label}: other processes used ${run.otherCores.toFixed(2)} cores meanwhile; measuring it again`);
      }
    },
    stop: () => clearInterval(timer),
  };
}

module.exports = { startMachineLoad };
