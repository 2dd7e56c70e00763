'use strict';
/**
 * Preloaded (`node -r`) into every process the bench starts. At exit the process writes its own peak RSS
 * (getrusage ru_maxrss, the kernel's VmHWM) and CPU time to BENCH_USAGE_FILE: read from inside, the figure
 * is exact, where polling /proc from outside can miss the last moments before exit.
 */
const fs = require('node:fs');

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    fs.writeFileSync(file, JSON.stringify({ maxRssKb: u.maxRSS, cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
  });
}
