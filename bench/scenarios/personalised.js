'use strict';
/**
 * Personalised texts at batch speed (issue 11): the same recipients file — number plus three fields, names in
 * Latin and Cyrillic script (so a mix of GSM-7 and UCS-2 texts), every fourth row without a day (its fallback
 * is used) — sent once with a template and once with one fixed text, through `smsq enqueue` and 2 workers,
 * against a simulator answering -18 to 10% of calls. The figure is the template's rate over the fixed text's,
 * in paired runs. Every run checks the simulator's ledger: each recipient accepted once, each text exactly its
 * rendered template, and no call refused for holding over 1000 numbers.
 *
 * Workers retry after SMS_BACKOFF_MS=20 rather than the default second: with 10% -18 over 10 to 100 batches, a
 * run otherwise lasts as long as its unluckiest batch's backoffs (1 s, then 2 s, …), and the ratio measured which
 * run drew more -18s twice in a row, not what personalising costs.
 */
const http = require('node:http');
const { runPipeline } = require('../pipeline-run');
const { personalisedFile, personalisedRow } = require('../recipients-file');
const simulator = require('../simulator-client');

const fmt = (n) => Math.round(n).toLocaleString('en');
const TEMPLATE = 'Hi {{name}}, your order {{order}} ships {{day|today}}. Reply STOP to opt out.';
const FIXED = 'Hi there, your order ships today. Reply STOP to opt out.';
const WORKERS = 2;
const TRANSIENT_RATE = 0.1;
const BACKOFF_MS = '20';

/** The text each number must have received: the template filled as smsq fills it (smart encoding changes nothing here). */
const rendered = (i) => {
  const r = personalisedRow(i);
  return `Hi ${r.name}, your order ${r.order} ships ${r.day || 'today'}. Reply STOP to opt out.`;
};

async function personalisedScenario(ctx) {
  const size = ctx.opts.sizes.personalised;
  const { file, firstNumber } = personalisedFile(size);
  const out = {
    size,
    workers: WORKERS,
    transientRate: TRANSIENT_RATE,
    backoffMs: Number(BACKOFF_MS),
    template: TEMPLATE,
    fixed: [],
    personalised: [],
  };
  const env = { ...ctx.env, SMS_BACKOFF_MS: BACKOFF_MS };
  await simulator.setFaults(ctx.sim, { transientRate: TRANSIENT_RATE });
  try {
    for (let i = 1; i <= ctx.opts.runs; i++) {
      const label = `personalised ${i}/${ctx.opts.runs}`;
      const fixed = await ctx.load.undisturbed(`${label}, fixed text`, async () => {
        const run = await runPipeline(ctx, { workers: WORKERS, size, file, env, content: FIXED });
        run.check = await checkLedger(ctx.sim, size, () => FIXED, firstNumber);
        return run;
      });
      const personalised = await ctx.load.undisturbed(`${label}, template`, async () => {
        const run = await runPipeline(ctx, { workers: WORKERS, size, file, env, content: TEMPLATE });
        run.check = await checkLedger(ctx.sim, size, rendered, firstNumber);
        return run;
      });
      out.fixed.push(fixed);
      out.personalised.push(personalised);
      ctx.log(
        `${label}: template ${fmt(personalised.rate)}/s, fixed text ${fmt(fixed.rate)}/s = ${(personalised.rate / fixed.rate).toFixed(2)}×; ${personalised.calls} calls (${fixed.calls} for the fixed text)`,
      );
    }
  } finally {
    await simulator.setFaults(ctx.sim, { transientRate: 0 });
  }
  return out;
}

/** Reads the whole ledger: every number once, with the text it should have, and no -7 (too many numbers) answer. */
async function checkLedger(sim, size, textOf, firstNumber) {
  const seen = new Uint8Array(size);
  let wrong = 0;
  let ucs2 = 0;
  await new Promise((resolve, reject) => {
    http
      .get(`${sim.controlUrl}/ledger`, (res) => {
        let rest = '';
        const line = (s) => {
          if (!s) return;
          const e = JSON.parse(s);
          const i = Number(e.number) - firstNumber;
          if (i < 0 || i >= size || seen[i]++) throw new Error(`the ledger holds ${e.number} twice, or a number not in the campaign`);
          if (e.content !== textOf(i)) wrong++;
          if (/[^\x00-\x7f]/.test(e.content)) ucs2++;
        };
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop();
          try {
            lines.forEach(line);
          } catch (err) {
            res.destroy();
            reject(err);
          }
        });
        res.on('end', () => {
          try {
            line(rest);
            resolve();
          } catch (err) {
            reject(err);
          }
        });
      })
      .on('error', reject);
  });
  const missing = seen.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
  const stats = await simulator.stats(sim);
  const tooMany = stats.callsByStatus['-7'] ?? 0;
  if (wrong > 0 || missing > 0 || tooMany > 0) {
    throw new Error(
      `ledger check failed: ${wrong} texts not their rendered template, ${missing} recipients never sent, ${tooMany} calls refused -7`,
    );
  }
  return { textsChecked: size, nonAsciiTexts: ucs2, callsOver1000: tooMany };
}

module.exports = { personalisedScenario, TEMPLATE };
