'use strict';
/**
 * The redirect scenario's load generator, a process of its own so that its CPU is not the server's: follows random
 * codes of a file on `smsq server` over keep-alive connections, never following the redirect, and prints one JSON
 * line with the statuses, the rate and the latencies of the measured window.
 *
 *   node bench/click-load.js BASE_URL CODES_FILE MODE SECONDS WARMUP_SECONDS CONNECTIONS [RATE]
 *
 * CODES_FILE has a line `<code>\t<url>` per link; the load generator reads the codes.
 *
 * MODE `closed`: one request always in flight on each connection, the next sent when it is answered: the most the
 * server answers, its latency being mostly the wait behind the others (Little's law). MODE `paced`: RATE requests
 * a second, each due on a schedule whether or not earlier ones have been answered, sent on the first free
 * connection, and its latency counted from when it was due: a stall is charged to every request it delays rather
 * than hidden by sending less (coordinated omission). One request in ROBOT_SHARE carries a link-preview robot's
 * user agent, the others a browser's.
 *
 * HTTP/1.1 is written and read on plain sockets rather than with node:http, whose client costs about as much CPU
 * per request as the server answering it: on a machine of two cores it would take the core the server is measured
 * on. A request is one GET with Host and User-Agent, as a browser's; an answer is read to its end (Content-Length
 * or chunked), its status counted.
 */
const fs = require('node:fs');
const net = require('node:net');
const { performance } = require('node:perf_hooks');

const ROBOT_SHARE = 0.1;
const BROWSERS = [
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0',
];
const ROBOTS = [
  'WhatsApp/2.23.20.0 A',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'TelegramBot (like TwitterBot)',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
];
/** An answer that has not come this long after its request was sent is a failure: the server is stuck. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Requests due by the window's end get this long to be answered; a paced run far behind the schedule ends here. */
const DRAIN_MS = 60_000;
/** The paced sender wakes this often and queues what has come due since (timers fire about every millisecond). */
const TICK_MS = 1;
/** Longest answer head read: a 302's is some 300 bytes. */
const MAX_HEAD = 16 * 1024;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Where an answer that starts `buf` ends (its length), or -1 while it is incomplete. Throws on what is no
 * HTTP/1.1 answer, which fails the connection's request.
 */
function answerLength(buf) {
  const head = buf.indexOf('\r\n\r\n');
  if (head === -1) {
    if (buf.length > MAX_HEAD) throw new Error('answer head too long');
    return -1;
  }
  const headers = buf.slice(0, head);
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(headers);
  if (length) return head + 4 + Number(length[1]) <= buf.length ? head + 4 + Number(length[1]) : -1;
  if (/\r\ntransfer-encoding:[ \t]*chunked/i.test(headers)) {
    const end = buf.indexOf('\r\n0\r\n\r\n', head + 2);
    return end === -1 ? -1 : end + 7;
  }
  // No body: a 1xx, 204 or 304 answer, or a head that says nothing of one.
  return head + 4;
}

/** One keep-alive connection taking one request at a time; it reconnects after the server closes it. */
class Connection {
  constructor(host, port, onFree) {
    this.host = host;
    this.port = port;
    this.onFree = onFree;
    this.current = null;
    this.connect();
  }

  connect() {
    this.buf = '';
    this.socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk) => this.read(chunk));
    this.socket.on('error', () => undefined); // 'close' follows
    // Reconnected before the request in flight is finished, so that the next one goes out on the new socket.
    this.socket.on('close', () => {
      const current = this.current;
      this.connect();
      if (current) this.finish(current.status ?? null);
    });
  }

  send(path, userAgent, done) {
    this.current = { done, timer: setTimeout(() => this.socket.destroy(), REQUEST_TIMEOUT_MS) };
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nUser-Agent: ${userAgent}\r\nAccept: */*\r\n\r\n`);
  }

  read(chunk) {
    this.buf += chunk;
    let end;
    try {
      end = answerLength(this.buf);
    } catch {
      this.socket.destroy();
      return;
    }
    if (end === -1) return;
    if (!this.current) return void this.socket.destroy(); // an answer to no request
    const status = Number(this.buf.slice(9, 12));
    if (/\r\nconnection:[ \t]*close/i.test(this.buf.slice(0, end))) {
      // Finished once the socket has closed and another is open ('close' above).
      this.current.status = status;
      return void this.socket.destroy();
    }
    this.buf = this.buf.slice(end);
    this.finish(status);
  }

  finish(status) {
    const { done, timer } = this.current;
    clearTimeout(timer);
    this.current = null;
    done(status);
    this.onFree(this);
  }

  close() {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }
}

async function main([baseUrl, codesFile, mode, seconds, warmupSeconds, connections, rate]) {
  const codes = fs
    .readFileSync(codesFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t', 1)[0]);
  const url = new URL(baseUrl);
  const base = url.pathname.replace(/\/$/, '');
  const statuses = {};
  const measured = { statuses: {}, latenciesMs: [], errors: 0 };
  const clicked = new Uint8Array(codes.length);
  let robots302 = 0;
  let errors = 0;
  // The measured window (performance.now()): a request counts in it when it was due inside it, even if a backlog
  // sends it later.
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let stop = false;
  let due = 0; // paced: requests that have come due
  let started = 0;
  let answered = 0;
  let t0 = 0;
  const perMs = Number(rate) / 1000;

  /** Sends one request for a random code on `conn`, counted from `dueAt`. */
  const follow = (conn, dueAt) => {
    const i = Math.floor(Math.random() * codes.length);
    const robot = Math.random() < ROBOT_SHARE;
    const counted = dueAt >= windowStart && dueAt < windowEnd;
    started++;
    conn.send(`${base}/${codes[i]}`, robot ? ROBOTS[i % ROBOTS.length] : BROWSERS[i % BROWSERS.length], (status) => {
      answered++;
      if (status === null) {
        errors++;
        if (counted) measured.errors++;
        return;
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 302 && robot) robots302++;
      else if (status === 302) clicked[i] = 1;
      if (counted) {
        measured.statuses[status] = (measured.statuses[status] ?? 0) + 1;
        measured.latenciesMs.push(performance.now() - dueAt);
      }
    });
  };
  const free = [];
  /** A connection just answered (or just opened): it takes the next request, or waits for one. */
  const onFree = (conn) => {
    if (mode === 'closed') {
      if (!stop) follow(conn, performance.now());
    } else if (started < due) follow(conn, t0 + started / perMs);
    else free.push(conn);
  };
  const pool = Array.from({ length: Number(connections) }, () => new Connection(url.hostname, url.port, onFree));
  t0 = performance.now();
  let ticker;
  if (mode === 'paced') {
    free.push(...pool);
    ticker = setInterval(() => {
      if (!stop) due = Math.floor((performance.now() - t0) * perMs);
      while (started < due && free.length > 0) follow(free.pop(), t0 + started / perMs);
    }, TICK_MS);
  } else pool.forEach(onFree);

  await new Promise((resolve) => setTimeout(resolve, Number(warmupSeconds) * 1000));
  const cpu0 = process.cpuUsage();
  const startAt = Date.now();
  windowStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
  windowEnd = performance.now();
  const windowMs = windowEnd - windowStart;
  const endAt = Date.now();
  const cpu = process.cpuUsage(cpu0);
  stop = true;
  const drainUntil = Date.now() + DRAIN_MS;
  while ((answered < started || started < due) && Date.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 10));
  clearInterval(ticker);
  pool.forEach((c) => c.close());

  const lat = Float64Array.from(measured.latenciesMs).sort();
  process.stdout.write(
    `${JSON.stringify({
      mode,
      connections: Number(connections),
      offeredRate: mode === 'paced' ? Number(rate) : null,
      startAt,
      endAt,
      windowMs,
      answered: lat.length,
      rate: (lat.length / windowMs) * 1000,
      statuses: measured.statuses,
      errors: measured.errors,
      latencyMs: { p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? null },
      cpuS: (cpu.user + cpu.system) / 1e6,
      // Every request of the process, warm-up included: what the campaign's counters must show.
      all: {
        statuses,
        errors,
        unanswered: started - answered,
        neverSent: Math.max(due - started, 0),
        robots302,
        clicked: Buffer.from(clicked).toString('base64'),
      },
    })}\n`,
  );
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`click-load failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
