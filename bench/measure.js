'use strict';
/** Small measuring tools: summaries of repeated runs, /proc readings, bounded waiting, the machine's identity. */
const fs = require('node:fs');
const os = require('node:os');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Median and spread of a figure over runs; the median because one disturbed run should not move the result. */
function summarize(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], runs: values };
}

/** Peak resident set of a live process in KB (VmHWM), or null once it has gone. */
function peakRssKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** USER_HZ, the unit of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** User + system CPU seconds a live process has used so far, or null once it has gone. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces, so fields are counted after its closing parenthesis: utime is 14th, stime 15th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** CPU seconds read at moments (ms since the epoch), to know the CPU spent between two later-known times. */
class CpuSeries {
  constructor() {
    this.points = [];
  }

  add(atMs, cpuS) {
    this.points.push([atMs, cpuS]);
  }

  /** Linear interpolation between the readings around `atMs`; readings come every 50–100 ms. */
  at(atMs) {
    const p = this.points;
    if (p.length === 0) return null;
    if (atMs <= p[0][0]) return p[0][1];
    for (let i = 1; i < p.length; i++) {
      if (p[i][0] >= atMs) return p[i - 1][1] + ((p[i][1] - p[i - 1][1]) * (atMs - p[i - 1][0])) / (p[i][0] - p[i - 1][0]);
    }
    return p[p.length - 1][1];
  }

  between(fromMs, toMs) {
    return this.at(toMs) - this.at(fromMs);
  }
}

/** Polls `check` until it returns a truthy value; every wait is bounded so a stuck pipeline fails the bench. */
async function waitFor(check, { what, timeoutMs, intervalMs = 50 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function machineInfo() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  return {
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1].trim() ?? os.cpus()[0]?.model ?? 'unknown',
    cpuMHz: Number(/cpu MHz\s*:\s*([\d.]+)/.exec(cpuinfo)?.[1] ?? NaN) || null,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
  };
}

module.exports = { sleep, summarize, peakRssKb, cpuSeconds, CpuSeries, waitFor, machineInfo };
