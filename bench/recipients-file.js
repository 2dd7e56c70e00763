'use strict';
/**
 * Recipient CSV files, one number a line (smsq generates the orderIds), written once per size into
 * bench/results/tmp (git-ignored) and reused by later runs and later benches.
 */
const fs = require('node:fs');
const path = require('node:path');

const DIR = path.join(__dirname, 'results', 'tmp');
const FIRST_NUMBER = 447_700_000_000;
const LINES_PER_WRITE = 100_000;

/** `first` moves the range: the suppression scenario's list must not overlap the campaign it is checked against. */
function recipientsFile(size, first = FIRST_NUMBER) {
  const file = path.join(DIR, first === FIRST_NUMBER ? `recipients-${size}.csv` : `numbers-${first}-${size}.csv`);
  const bytes = size * (String(first).length + 1);
  if (fs.existsSync(file) && fs.statSync(file).size === bytes) return file;
  fs.mkdirSync(DIR, { recursive: true });
  const fd = fs.openSync(`${file}.part`, 'w');
  for (let i = 0; i < size; i += LINES_PER_WRITE) {
    let chunk = '';
    for (let j = i; j < Math.min(i + LINES_PER_WRITE, size); j++) chunk += `${first + j}\n`;
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
  fs.renameSync(`${file}.part`, file); // a bench interrupted while writing never leaves a short file behind
  return file;
}

module.exports = { recipientsFile };
