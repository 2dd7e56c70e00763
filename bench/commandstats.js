'use strict';
/**
 * What Redis's commands cost a send window, from INFO commandstats: calls and usec per command, per 100,000
 * recipients sent. The counters are Redis's own, so every client of that Redis adds to them: the bench leaves out
 * the commands it sends itself (`ownCommands`), and waits for a quiet machine, but another user's commands count.
 * A command that a script runs is counted in its own line and again inside the script's usec, so the lines do not
 * add up: Redis's whole CPU is INFO cpu's figure.
 */

/** Lines whose usec holds the commands they run. */
const SCRIPTS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);
const NONE = Object.freeze({ calls: 0, usec: 0 });

/** `cmdstat_<name>:calls=…,usec=…,…` lines as `{ name: { calls, usec } }`; a subcommand keeps its `|` (`config|get`). */
function parseCommandstats(text) {
  const stats = {};
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) stats[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) };
  return stats;
}

/**
 * Commands sent on one ioredis connection, counted by name as they are sent (pipelines too), so that a reading of
 * commandstats can leave out the bench's own polling.
 */
function ownCommands(redis) {
  const counts = {};
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, ...rest) => {
    const name = String(command.name).toLowerCase();
    counts[name] = (counts[name] ?? 0) + 1;
    return send(command, ...rest);
  };
  return counts;
}

/**
 * A reading less the bench's own commands: their calls, and the same share of the line's usec (they are the same
 * cheap reads as the others of that line, or the whole line).
 */
function withoutOwn(stats, own) {
  const out = {};
  for (const [name, s] of Object.entries(stats)) {
    const mine = Math.min(own[name] ?? 0, s.calls);
    out[name] = { calls: s.calls - mine, usec: s.calls > 0 ? s.usec * (1 - mine / s.calls) : 0 };
  }
  return out;
}

/** Readings taken every 50–100 ms, for the counters between two later-known moments (a run's first and last send). */
class CommandSeries {
  constructor() {
    this.points = [];
  }

  add(atMs, stats) {
    this.points.push([atMs, stats]);
  }

  /** Every counter interpolated linearly between the readings around `atMs`; a command not yet seen is 0. */
  at(atMs) {
    const p = this.points;
    if (p.length === 0) return null;
    const i = p.findIndex(([t]) => t >= atMs);
    if (i === 0) return p[0][1];
    if (i === -1) return p[p.length - 1][1];
    const [t0, a] = p[i - 1];
    const [t1, b] = p[i];
    const f = (atMs - t0) / (t1 - t0);
    const out = {};
    for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const x = a[name] ?? NONE;
      const y = b[name] ?? NONE;
      out[name] = { calls: x.calls + (y.calls - x.calls) * f, usec: x.usec + (y.usec - x.usec) * f };
    }
    return out;
  }

  between(fromMs, toMs) {
    const a = this.at(fromMs);
    const b = this.at(toMs);
    if (!a || !b) return null;
    const out = {};
    for (const [name, y] of Object.entries(b)) {
      const x = a[name] ?? NONE;
      out[name] = { calls: y.calls - x.calls, usec: y.usec - x.usec };
    }
    return out;
  }
}

/**
 * Counters over a window scaled to 100,000 recipients sent, commands by usec (most first), and what they sum to:
 * every call (those scripts run included), the scripts' usec (with what they run), and the other lines' usec, an
 * upper bound on the commands sent outside scripts since commands run by scripts count there too.
 */
function per100k(delta, sent) {
  if (!delta) return null;
  const scale = 100_000 / sent;
  const commands = Object.entries(delta)
    .map(([name, d]) => [name, { calls: Math.round(d.calls * scale), usec: Math.round(d.usec * scale) }])
    .filter(([, d]) => d.calls > 0)
    .sort((a, b) => b[1].usec - a[1].usec);
  const sum = (pick) => commands.reduce((s, [name, d]) => s + (pick(name) ? d.usec : 0), 0);
  return {
    calls: commands.reduce((s, [, d]) => s + d.calls, 0),
    scriptsUsec: sum((name) => SCRIPTS.has(name)),
    otherUsecAtMost: sum((name) => !SCRIPTS.has(name)),
    commands: Object.fromEntries(commands),
  };
}

module.exports = { parseCommandstats, ownCommands, withoutOwn, CommandSeries, per100k, SCRIPTS };
