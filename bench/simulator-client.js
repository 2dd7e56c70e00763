'use strict';
/** The simulator's control routes (/__sim/...), and the send times read back from its ledger. */
const http = require('node:http');

function request(method, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s) => (text += s));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${method} ${url}: HTTP ${res.statusCode} ${text}`)),
      );
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const stats = (sim) => request('GET', `${sim.controlUrl}/stats`);
const setFaults = (sim, faults) => request('POST', `${sim.controlUrl}/faults`, faults);
/** Forgets the ledger between runs: each run then reads only its own sends, and a million entries are freed. */
const reset = (sim) => request('POST', `${sim.controlUrl}/reset`);

/**
 * Send times from the ledger (NDJSON, one entry per accepted message, in acceptance order, `at` in ms): first,
 * last, and the 10th and 90th percentile sends, which give a steady-state rate without ramp-up and tail.
 * Streamed and scanned for `"at":` only, since a million entries are some 300 MB of JSON.
 */
function ledgerTimes(sim, expected) {
  const marks = { p10: Math.floor(expected * 0.1), p90: Math.floor(expected * 0.9) };
  const times = { count: 0, first: null, last: null, p10: null, p90: null };
  return eachLedgerLine(sim, (s) => {
    const m = /"at":(\d+)/.exec(s);
    if (!m) return;
    const at = Number(m[1]);
    if (times.count === 0) times.first = at;
    times.last = at;
    if (times.count === marks.p10) times.p10 = at;
    if (times.count === marks.p90) times.p90 = at;
    times.count++;
  }).then(() => times);
}

/** Streams the ledger's NDJSON and hands `line` each line, without holding the whole ledger. */
function eachLedgerLine(sim, line) {
  return new Promise((resolve, reject) => {
    http
      .get(`${sim.controlUrl}/ledger`, (res) => {
        let rest = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop();
          lines.forEach(line);
        });
        res.on('end', () => {
          line(rest);
          resolve();
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

module.exports = { stats, setFaults, reset, ledgerTimes, eachLedgerLine };
