'use strict';
/**
 * Recipient CSV files, `number,orderId` a line (the form issue 24's first-send and end-to-end targets are set for),
 * or one number a line for a suppression list to import; written once per size into bench/results/tmp
 * (git-ignored) and reused by later runs and later benches.
 */
const fs = require('node:fs');
const path = require('node:path');

const DIR = path.join(__dirname, 'results', 'tmp');
const FIRST_NUMBER = 447_700_000_000;
const LINES_PER_WRITE = 100_000;

/**
 * The campaign's file, with an orderId per row (`o<row>`); `first` other than the default gives numbers only, for a
 * suppression list that must not overlap the campaign it is checked against.
 */
function recipientsFile(size, first = FIRST_NUMBER) {
  const withOrderIds = first === FIRST_NUMBER;
  const file = path.join(DIR, withOrderIds ? `recipients-orders-${size}.csv` : `numbers-${first}-${size}.csv`);
  const line = withOrderIds ? (j) => `${first + j},o${j + 1}\n` : (j) => `${first + j}\n`;
  let bytes = 0;
  for (let j = 0; j < size; j++) bytes += line(j).length;
  if (fs.existsSync(file) && fs.statSync(file).size === bytes) return file;
  fs.mkdirSync(DIR, { recursive: true });
  const fd = fs.openSync(`${file}.part`, 'w');
  for (let i = 0; i < size; i += LINES_PER_WRITE) {
    let chunk = '';
    for (let j = i; j < Math.min(i + LINES_PER_WRITE, size); j++) chunk += line(j);
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
  fs.renameSync(`${file}.part`, file); // a bench interrupted while writing never leaves a short file behind
  return file;
}

/** Row i of the personalised file: three fields, a Cyrillic name every seventh row, no day every fourth. */
function personalisedRow(i) {
  return {
    number: FIRST_PERSONALISED + i,
    name: i % 7 === 0 ? `Дарья${i % 100}` : `Ana${i % 100}`,
    order: String(100_000 + i),
    day: i % 4 === 0 ? '' : 'Monday',
  };
}

/** Numbers of the personalised file start here, apart from the other files' numbers. */
const FIRST_PERSONALISED = 447_800_000_000;

/** `number,name,order,day` with a header: the recipients of the personalised scenario, written once per size. */
function personalisedFile(size) {
  const file = path.join(DIR, `personalised-${size}.csv`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(DIR, { recursive: true });
    const fd = fs.openSync(`${file}.part`, 'w');
    fs.writeSync(fd, 'number,name,order,day\n');
    for (let i = 0; i < size; i += LINES_PER_WRITE) {
      let chunk = '';
      for (let j = i; j < Math.min(i + LINES_PER_WRITE, size); j++) {
        const r = personalisedRow(j);
        chunk += `${r.number},${r.name},${r.order},${r.day}\n`;
      }
      fs.writeSync(fd, chunk);
    }
    fs.closeSync(fd);
    fs.renameSync(`${file}.part`, file);
  }
  return { file, firstNumber: FIRST_PERSONALISED };
}

module.exports = { recipientsFile, personalisedFile, personalisedRow };
