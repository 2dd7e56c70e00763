'use strict';
/**
 * The bench's results as one plain-text table (figure, median, min–max, target, verdict) and as JSON in
 * bench/results/<date>.json, with the machine and options they were measured with.
 */
const fs = require('node:fs');
const path = require('node:path');
const { summarize } = require('./measure');
const { TARGETS, verdict } = require('./targets');

const int = (n) => Math.round(n).toLocaleString('en');
const FORMAT = {
  rate: (n) => `${int(n)}/s`,
  MB: (n) => `${n.toFixed(0)} MB`,
  ms: (n) => `${int(n)} ms`,
  ms1: (n) => `${n.toFixed(n < 10 ? 2 : 1)} ms`,
  us: (n) => `${n.toFixed(0)} µs`,
  B: (n) => `${n.toFixed(n < 10 ? 1 : 0)} B`,
  x: (n) => `${n.toFixed(2)}×`,
  '%': (n) => `${(n * 100).toFixed(1)}%`,
  s: (n) => `${n.toFixed(2)} s`,
  cores: (n) => `${n.toFixed(2)} cores`,
};

const field = (runs, name) => summarize(runs.map((r) => name.split('.').reduce((o, k) => o?.[k], r)));
const single = (v) => (v === null || v === undefined ? null : { median: v, min: v, max: v, runs: [v] });
const paired = (a, b, name) => summarize(a.map((r, i) => r[name] / b[i][name]));
/** CPU seconds a process (`sendCpuS` key) spent from the first send to the last, per 100,000 recipients sent. */
const cpuPer100k = (runs, size, k) => summarize(runs.map((r) => (r.sendCpuS[k] * 100_000) / size));

const usecText = (usec) => (usec >= 100_000 ? `${(usec / 1e6).toFixed(2)} s` : `${(usec / 1000).toFixed(usec < 10_000 ? 1 : 0)} ms`);
/** Commands shown by usec; past them, any with a call per ten recipients or more is shown too (per-recipient work). */
const COMMANDS_SHOWN = 6;
const MANY_CALLS = 10_000;

/**
 * One line of Redis's commands per 100,000 sent (medians over runs): the costliest by usec, then what they sum to.
 * A script's usec includes the commands it runs, which have lines of their own: the other lines are an upper bound.
 */
function commandsText(runs) {
  const stats = runs.map((r) => r.redisCommands).filter(Boolean);
  if (stats.length === 0) return 'n/a';
  const median = (f) => summarize(stats.map(f)).median;
  const names = [...new Set(stats.flatMap((s) => Object.keys(s.commands)))];
  const lines = names
    .map((name) => ({ name, calls: median((s) => s.commands[name]?.calls ?? 0), usec: median((s) => s.commands[name]?.usec ?? 0) }))
    .sort((a, b) => b.usec - a.usec);
  const shown = lines.filter((c, i) => i < COMMANDS_SHOWN || c.calls >= MANY_CALLS);
  return (
    `${shown.map((c) => `${int(c.calls)} ${c.name} ${usecText(c.usec)}`).join(', ')}${shown.length < lines.length ? ', …' : ''}; ` +
    `${int(median((s) => s.calls))} calls in all; scripts ${usecText(median((s) => s.scriptsUsec))} with what they run, ` +
    `other commands ≤ ${usecText(median((s) => s.otherUsecAtMost))}`
  );
}

function rowsFor(results, opts) {
  const rows = [];
  const section = (title) => rows.push({ section: title });
  const row = (label, s, unit, target) =>
    rows.push({
      label,
      unit,
      ...(s && { median: s.median, min: s.min, max: s.max, runs: s.runs }),
      ...(target && { target: target.text, verdict: verdict(s?.median, target) }),
    });
  const note = (label, text) => rows.push({ label, note: text });
  // Who is busy while smsq sends: CPU from the first send to the last, as cores and per 100k recipients sent.
  const sendWindow = (label, runs, size, parts) => {
    const median = (f) => summarize(runs.map(f)).median.toFixed(2);
    note(
      `${label}, cores busy while sending`,
      parts.map(([k, name]) => `${name} ${median((r) => r.sendCpuS[k] / (r.sendMs / 1000))}`).join(', '),
    );
    note(
      `${label}, CPU per 100k sent`,
      parts.map(([k, name]) => `${name} ${median((r) => (r.sendCpuS[k] * 100_000) / size)} s`).join(', '),
    );
  };
  const { enqueue, instant, slow, jobPerRecipient, expiry, fairness, suppression, personalised, redirect } = results;
  const c = opts.workerConcurrency;

  if (enqueue) {
    section(`Enqueue: ${int(enqueue.size)} recipients, \`smsq enqueue FILE\` as a process (start-up included), no worker running`);
    row('recipients/s', field(enqueue.runs, 'rate'), 'rate', TARGETS.enqueueRate);
    row('producer peak RSS', field(enqueue.runs, 'producerRssMb'), 'MB', TARGETS.producerRss);
    row('producer CPU time', field(enqueue.runs, 'producerCpuS'), 's');
    row('  other processes on the machine meanwhile', field(enqueue.runs, 'otherCores'), 'cores');
    row('Redis added, staged (used_memory) per recipient', field(enqueue.runs, 'redisBytesPerRecipient'), 'B');
    row('  our keys only (MEMORY USAGE) per recipient', field(enqueue.runs, 'keyBytesPerRecipient'), 'B');
  }
  if (instant) {
    section(`Dispatch, gateway instant: ${int(instant.size)} recipients, WORKER_CONCURRENCY ${c}, enqueued with workers idle`);
    for (const w of [1, 2]) {
      const ours = instant.smsq[w];
      const direct = instant.direct[w];
      row(`direct loop, ${w * c} calls in flight (baseline a)`, field(direct, 'rate'), 'rate');
      row(`smsq, ${w} worker process${w > 1 ? 'es' : ''}, first to last send`, field(ours, 'rate'), 'rate');
      row('  ratio to the direct loop (paired runs)', paired(ours, direct, 'rate'), 'x', TARGETS.instantVsDirect);
      row('  steady rate (10th to 90th percentile send)', field(ours, 'steadyRate'), 'rate');
      if (w === 1 && instant.endToEnd?.length) {
        row('  end to end: smsq enqueue FILE → smsq wait returns (runs of their own)', field(instant.endToEnd, 'endToEndRate'), 'rate');
        row('    the direct loop, whole script', field(direct, 'endToEndRate'), 'rate');
        row('    ratio (paired runs)', paired(instant.endToEnd, direct, 'endToEndRate'), 'x', TARGETS.endToEndVsDirect);
        row(
          '    enqueue start → first send (the file validated whole, then staged while it sends)',
          field(instant.endToEnd, 'firstSendMs'),
          'ms',
          TARGETS.firstSend,
        );
        row('    the enqueue process, start to end', field(instant.endToEnd, 'enqueueMs'), 'ms');
      }
      row('  enqueue start → first send (stdin: staged whole, then sent)', field(ours, 'firstSendMs'), 'ms');
      row('    of which the enqueue process', field(ours, 'enqueueMs'), 'ms');
      row('  worker peak RSS (largest worker)', field(ours, 'workerRssMb'), 'MB', TARGETS.workerRss);
      sendWindow('  smsq', ours, instant.size, [
        ['workers', 'workers'],
        ['simulator', 'simulator'],
        ['redis', 'Redis'],
      ]);
      sendWindow('  direct loop', direct, instant.size, [
        ['loop', 'loop'],
        ['simulator', 'simulator'],
      ]);
      row(
        "  workers' CPU per 100k sent / the direct loop's (paired runs)",
        summarize(ours.map((r, i) => r.sendCpuS.workers / direct[i].sendCpuS.loop)),
        'x',
        TARGETS.workerCpuVsDirect,
      );
      row(
        '  Redis CPU per 100k sent (INFO cpu, first to last send)',
        cpuPer100k(ours, instant.size, 'redis'),
        's',
        TARGETS.redisCpuPer100k,
      );
      note('  Redis per 100k sent (INFO commandstats)', commandsText(ours));
      row('  other processes on the machine while smsq sent', field(ours, 'otherCores'), 'cores');
      row('  … while the direct loop sent', field(direct, 'otherCores'), 'cores');
    }
  }
  if (slow) {
    section(`Dispatch, gateway slow: ${slow.latencyMs} ms per call, ${int(opts.sizes.slowPerWorker)} recipients per worker`);
    for (const w of [1, 2]) {
      row(`direct loop, ${w * c} calls in flight (baseline a)`, field(slow.direct[w], 'rate'), 'rate');
      row(`  share of the ceiling ${int(slow.ceiling[w])}/s`, field(slow.direct[w], 'ofCeiling'), '%');
      row(`smsq, ${w} worker process${w > 1 ? 'es' : ''}, first to last send`, field(slow.smsq[w], 'rate'), 'rate');
      row(`  share of the ceiling ${int(slow.ceiling[w])}/s`, field(slow.smsq[w], 'ofCeiling'), '%', TARGETS.slowOfCeiling);
      row('  enqueue start → first send (stdin: staged whole, then sent)', field(slow.smsq[w], 'firstSendMs'), 'ms');
      row('  worker peak RSS (largest worker)', field(slow.smsq[w], 'workerRssMb'), 'MB', TARGETS.workerRss);
      sendWindow('  smsq', slow.smsq[w], opts.sizes.slowPerWorker * w, [
        ['workers', 'workers'],
        ['simulator', 'simulator'],
        ['redis', 'Redis'],
      ]);
      row('  other processes on the machine while sending', field(slow.smsq[w], 'otherCores'), 'cores');
    }
    row('2 workers / 1 worker (paired runs)', paired(slow.smsq[2], slow.smsq[1], 'rate'), 'x', TARGETS.slowScaling);
  }
  if (fairness) {
    section(
      `Fairness: a ${int(fairness.size)}-recipient low campaign, 1 worker; every ${int(fairness.intervalMs)} ms a 1-recipient high and a ${int(1000)}-recipient normal campaign (enqueue → last answer)`,
    );
    for (const [latency, g] of Object.entries(fairness.gateways)) {
      const judged = Number(latency) > 0;
      row(`gateway ${latency} ms: big low campaign alone`, field(g.alone, 'bigRate'), 'rate');
      row('  with the small campaigns', field(g.mixed, 'bigRate'), 'rate');
      row('  rate kept (paired runs)', field(g.mixed, 'rateRatio'), '%', judged ? TARGETS.fairBigRate : undefined);
      row('  high, 1 recipient: p50', field(g.mixed, 'highP50'), 'ms');
      row('  high, 1 recipient: p99', field(g.mixed, 'highP99'), 'ms', judged ? TARGETS.fairHighP99 : undefined);
      row('  normal, 1,000 recipients: p50', field(g.mixed, 'normalP50'), 'ms');
      row('  normal, 1,000 recipients: p99', field(g.mixed, 'normalP99'), 'ms', judged ? TARGETS.fairNormalP99 : undefined);
      note('  small campaigns per run', g.mixed.map((r) => `${r.high.length} high + ${r.normal.length} normal`).join('; '));
    }
  }
  if (suppression) {
    section(
      `Opt-outs: \`smsq suppress import\` of ${int(suppression.listSize)} numbers, then ${int(suppression.size)} recipients through 1 worker, gateway instant`,
    );
    const fullList = suppression.listSize >= 1_000_000;
    row(
      `import ${int(suppression.listSize)} numbers (process, start-up included)`,
      field(suppression.imports, 'wallMs'),
      'ms',
      fullList ? TARGETS.suppressionImport : undefined,
    );
    row('  numbers/s', field(suppression.imports, 'rate'), 'rate');
    row('  peak RSS', field(suppression.imports, 'rssMb'), 'MB');
    const variants = [
      ['withList', `with ${int(suppression.listSize)} numbers on the list`, true],
      ['emptyList', 'with an empty list', true],
      ['history', 'with the list and SMS_CONTACT_HISTORY=true', false],
      ['off', 'with SMS_SUPPRESSION_CHECK and SMS_CONTACT_HISTORY off', false],
    ];
    row(`dispatch with ${int(suppression.listSize)} numbers on the list`, field(suppression.withList, 'rate'), 'rate');
    row('dispatch with an empty list', field(suppression.emptyList, 'rate'), 'rate');
    row('  with the list / empty (paired runs)', field(suppression.withList, 'ratioToEmpty'), '%', TARGETS.suppressionCheck);
    row('dispatch with the list and SMS_CONTACT_HISTORY=true', field(suppression.history, 'rate'), 'rate');
    row('  with contact history / empty list (paired runs)', field(suppression.history, 'ratioToEmpty'), '%');
    row('dispatch with SMS_SUPPRESSION_CHECK and SMS_CONTACT_HISTORY off', field(suppression.off, 'rate'), 'rate');
    row('  empty list, checks on / off (paired runs)', field(suppression.emptyList, 'ratioToOff'), '%');
    // The CPU target holds with the checks at their defaults; contact history and no checks show their costs.
    for (const [k, label, judged] of variants)
      row(
        `Redis CPU per 100k sent (INFO cpu), ${label}`,
        cpuPer100k(suppression[k], suppression.size, 'redis'),
        's',
        judged ? TARGETS.redisCpuPer100k : undefined,
      );
    for (const [k, label] of variants) note(`Redis per 100k sent (INFO commandstats), ${label}`, commandsText(suppression[k]));
    note(
      'other processes on the machine while sending (medians)',
      variants.map(([k, label]) => `${label} ${field(suppression[k], 'otherCores').median.toFixed(2)} cores`).join('; '),
    );
    row(
      '  Redis per recipient, checks at their defaults (MEMORY USAGE, all our keys)',
      field(suppression.emptyList, 'keyBytesPerRecipient'),
      'B',
      TARGETS.redisPerRecipient,
    );
    row('  … contact history on (the list left out)', field(suppression.history, 'keyBytesPerRecipientWithoutList'), 'B');
    row('  … off', field(suppression.off, 'keyBytesPerRecipient'), 'B');
  }
  if (instant || expiry) section('Redis footprint per recipient');
  if (instant) {
    const all = [...instant.smsq[1], ...instant.smsq[2]];
    row(
      `complete, results retained, ${int(instant.size)} recipients (used_memory delta, all instant runs)`,
      field(all, 'redisBytesPerRecipient'),
      'B',
      TARGETS.redisPerRecipient,
    );
    row('  our keys only (MEMORY USAGE)', field(all, 'keyBytesPerRecipient'), 'B', TARGETS.redisPerRecipient);
    const kinds = Object.keys(all[0].keyKindsPerRecipient).map((k) => [k, field(all, `keyKindsPerRecipient.${k}.bytes`)]);
    for (const [kind, s] of kinds.sort((a, b) => b[1].median - a[1].median)) row(`    ${kind}`, s, 'B');
  }
  if (expiry) {
    const kinds = (m) =>
      Object.entries(m.kinds)
        .map(([k, v]) => `${k} ${(v.bytes / 1024).toFixed(0)} KB (${v.keys} keys)`)
        .join('; ');
    row(
      `retained, ${int(expiry.size)} recipients at RESULT_RETENTION_SECONDS=${expiry.retentionSeconds} (MEMORY USAGE)`,
      single(expiry.retained.bytesPerRecipient),
      'B',
      TARGETS.redisPerRecipient,
    );
    row(`after its TTLs expired (waited ${expiry.retentionSeconds} s)`, single(expiry.afterTtl.bytesPerRecipient), 'B');
    note('    what is left', kinds(expiry.afterTtl));
    row('after one more batch job completed (BullMQ removes aged jobs then)', single(expiry.afterNextJob.bytesPerRecipient), 'B');
    note('    what is left', kinds(expiry.afterNextJob));
  }
  if (instant?.export.length) {
    section(`Results export: \`smsq results ID > file\`, ${int(instant.size)} rows, as a process`);
    row('rows/s', field(instant.export, 'rate'), 'rate');
    row('peak RSS', field(instant.export, 'rssMb'), 'MB');
  }
  if (jobPerRecipient) {
    const runs = jobPerRecipient.runs;
    section(`Baseline (b), one BullMQ job per recipient: ${int(jobPerRecipient.size)} recipients, 1 worker process, concurrency ${c}`);
    row('recipients/s, first to last send', field(runs, 'rate'), 'rate');
    row('  jobs added/s (addBulk of 1000)', field(runs, 'addRate'), 'rate');
    row('  worker peak RSS', field(runs, 'workerRssMb'), 'MB');
    sendWindow('  job per recipient', runs, jobPerRecipient.size, [
      ['worker', 'worker'],
      ['simulator', 'simulator'],
      ['redis', 'Redis'],
    ]);
    row('  other processes on the machine while sending', field(runs, 'otherCores'), 'cores');
    row('  Redis per recipient, results retained (MEMORY USAGE)', field(runs, 'keyBytesPerRecipient'), 'B');
    if (instant)
      row('smsq 1 worker / job per recipient (medians)', single(field(instant.smsq[1], 'rate').median / field(runs, 'rate').median), 'x');
  }
  if (personalised) {
    const p = personalised;
    section(
      `Personalised texts: ${int(p.size)} recipients, a template with 3 fields against one fixed text, ${p.workers} workers, ${(p.transientRate * 100).toFixed(0)}% -18, SMS_BACKOFF_MS ${p.backoffMs}`,
    );
    row('fixed text (sendSms), first to last send', field(p.fixed, 'rate'), 'rate');
    row('template (sendSms/batch), first to last send', field(p.personalised, 'rate'), 'rate');
    row('  ratio to the fixed text (paired runs)', paired(p.personalised, p.fixed, 'rate'), 'x', TARGETS.personalisedVsFixed);
    row('  steady rates (10th to 90th percentile send), ratio', paired(p.personalised, p.fixed, 'steadyRate'), 'x');
    row('  producer CPU time (template)', field(p.personalised, 'cpuS.producer'), 's');
    row('  producer CPU time (fixed text)', field(p.fixed, 'cpuS.producer'), 's');
    row('  worker peak RSS (template, largest worker)', field(p.personalised, 'workerRssMb'), 'MB', TARGETS.workerRss);
    row('  Redis per recipient, results retained (template, MEMORY USAGE)', field(p.personalised, 'keyBytesPerRecipient'), 'B');
    row('  Redis per recipient, results retained (fixed text, MEMORY USAGE)', field(p.fixed, 'keyBytesPerRecipient'), 'B');
    sendWindow('  template', p.personalised, p.size, [
      ['workers', 'workers'],
      ['simulator', 'simulator'],
      ['redis', 'Redis'],
    ]);
    sendWindow('  fixed text', p.fixed, p.size, [
      ['workers', 'workers'],
      ['simulator', 'simulator'],
      ['redis', 'Redis'],
    ]);
    note('  ledger checked', 'every recipient once, every text its rendered template, no call over 1000 numbers');
  }
  if (redirect) {
    const r = redirect;
    const cores = (runs, k) => summarize(runs.map((x) => x[k])).median.toFixed(2);
    section(
      `Tracked links: GET /<code> → 302 from \`smsq server\` (${r.pinnedCpu === null ? 'not pinned' : `pinned to CPU ${r.pinnedCpu}`}), ${int(r.size)} links, random codes, 1 in 10 a robot, ${r.seconds} s after ${r.warmupSeconds} s warm-up`,
    );
    row(
      `bare node:http answering 302 from memory, ${r.connections} in flight (baseline: one Node process's ceiling)`,
      field(r.bare, 'rate'),
      'rate',
    );
    row('  its CPU per request', field(r.bare, 'serverCpuUsPerRedirect'), 'us');
    row(`redirects/s, ${r.connections} requests in flight`, field(r.closed, 'rate'), 'rate', TARGETS.redirectRate);
    row('  share of the bare server (paired runs)', field(r.closed, 'ofBare'), '%');
    for (const p of ['p50', 'p99', 'max'])
      row(`  latency ${p} (mostly queueing behind the other ${r.connections - 1})`, field(r.closed, `latencyMs.${p}`), 'ms1');
    note(
      '  cores busy (medians)',
      `server ${cores(r.closed, 'serverCores')}, Redis ${cores(r.closed, 'redisCores')}, load generator ${cores(r.closed, 'loadCores')}`,
    );
    row('  server CPU per redirect', field(r.closed, 'serverCpuUsPerRedirect'), 'us');
    row('  Redis CPU per redirect (INFO cpu)', field(r.closed, 'redisCpuUsPerRedirect'), 'us');
    row('    FOLLOW_LINK script (commandstats evalsha)', field(r.closed, 'scriptUsecPerRedirect'), 'us');
    row('  other processes on the machine meanwhile', field(r.closed, 'otherCores'), 'cores');
    const rate = int(r.paced[0]?.offeredRate ?? 0);
    row(`paced at ${rate}/s: answered/s`, field(r.paced, 'rate'), 'rate');
    row('  latency p50 (from when each request was due)', field(r.paced, 'latencyMs.p50'), 'ms1');
    row('  latency p95', field(r.paced, 'latencyMs.p95'), 'ms1');
    row('  latency p99', field(r.paced, 'latencyMs.p99'), 'ms1', TARGETS.redirectP99);
    row('  latency max', field(r.paced, 'latencyMs.max'), 'ms1');
    note(
      '  cores busy (medians)',
      `server ${cores(r.paced, 'serverCores')}, Redis ${cores(r.paced, 'redisCores')}, load generator ${cores(r.paced, 'loadCores')}`,
    );
    row('  other processes on the machine meanwhile', field(r.paced, 'otherCores'), 'cores');
    row(
      `Redis per stored link (MEMORY USAGE of ${r.setup.buckets} buckets / links; values ${r.setup.valueBytes} B)`,
      single(r.setup.bytesPerLink),
      'B',
    );
    row('  used_memory delta per link', single(r.setup.usedMemoryPerLink), 'B');
    row(`click records per recipient clicked (${int(r.clickers)} recipients)`, single(r.clickRecordBytesPerClicker), 'B');
    row('links stored/s (LinkStore.store, 1000 a call, 4 calls in flight)', single(r.setup.storeRate), 'rate');
    row('server peak RSS', single(r.serverRssMb), 'MB');
    const failed = r.checks.filter((c) => !c.ok);
    note(
      '  counts checked',
      failed.length === 0
        ? `every answer 302 in ${r.checks.length} phases; clicks + linkPreviews grew by the 302s answered (warm-up included), linkPreviews by the robots', clickers = recipients clicked`
        : `FAILED: ${failed.map((c) => `${c.phase}: ${c.problems.join('; ')}`).join(' | ')}`,
    );
  }
  return rows;
}

function table(rows) {
  const cells = rows.map((r) => {
    if (r.section || r.note) return r;
    const f = FORMAT[r.unit];
    const has = r.median !== undefined;
    return [
      r.label,
      has ? f(r.median) : 'n/a',
      has && r.runs.length > 1 ? `${f(r.min)} – ${f(r.max)}` : '',
      r.target ?? '',
      r.verdict ?? '',
    ];
  });
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...cells.filter(Array.isArray).map((c) => c[i].length)));
  const header = ['figure', 'median', 'min – max', 'target', 'verdict'];
  const line = (c) =>
    c
      .map((s, i) => (i === 1 ? s.padStart(widths[i]) : s.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header.map((h, i) => h.padEnd(widths[i])))];
  for (const c of cells) {
    if (c.section) out.push('', c.section);
    else if (c.note) out.push(`${c.label}: ${c.note}`);
    else out.push(line(c));
  }
  return out.join('\n');
}

function writeJson(report, quick) {
  const dir = path.join(__dirname, 'results');
  // A quick run never overwrites the full run of the same day, which is the one meant to be committed.
  const file = path.join(dir, `${report.generatedAt.slice(0, 10)}${quick ? '-quick' : ''}.json`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

module.exports = { rowsFor, table, writeJson };
