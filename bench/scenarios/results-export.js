'use strict';
/** Results export: `smsq results ID > file` of a completed campaign, as a process; rows/s and its peak RSS. */
const fs = require('node:fs');
const path = require('node:path');
const { smsq, runToEnd } = require('../processes');

const DIR = path.join(__dirname, '..', 'results', 'tmp');

async function exportResults(ctx, campaignId, size, nodeArgs = []) {
  const file = path.join(DIR, `results-${campaignId}.csv`);
  try {
    const exit = await runToEnd(smsq('results', ['results', campaignId], { env: ctx.env, nodeArgs, stdoutFile: file }), {
      timeoutMs: 60_000 + size / 10,
    });
    const rows = countLines(file) - 1; // the header
    if (rows !== size) throw new Error(`smsq results wrote ${rows} rows for ${size} recipients`);
    return { rows, rate: rows / (exit.wallMs / 1000), wallMs: exit.wallMs, rssMb: exit.maxRssKb / 1024, cpuS: exit.cpuS };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function countLines(file) {
  const buf = Buffer.alloc(1 << 20);
  const fd = fs.openSync(file, 'r');
  let lines = 0;
  try {
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) {
      for (let i = buf.indexOf(10); i !== -1 && i < n; i = buf.indexOf(10, i + 1)) lines++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return lines;
}

module.exports = { exportResults };
