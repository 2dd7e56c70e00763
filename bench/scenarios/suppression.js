'use strict';
/**
 * Opt-outs (issue 13): `smsq suppress import` of a list (1,000,000 numbers in a full run) as a process, then the
 * instant-gateway dispatch of one campaign through 1 worker four ways: with that list in Redis (none of its
 * numbers in the campaign, so every recipient is checked and sent), with an empty list, with the list and
 * SMS_CONTACT_HISTORY=true, and with the check and the contact history turned off. The first two give the check's
 * cost against a big list; the third what remembering each number's last campaign adds; the fourth what opt-outs
 * cost in all.
 */
const { runPipeline } = require('../pipeline-run');
const { smsq, runToEnd } = require('../processes');
const { recipientsFile } = require('../recipients-file');

/** The list's numbers: a range of their own, far from the campaign's (447700000000…). */
const LIST_FIRST = 448_000_000_000;
const fmt = (n) => Math.round(n).toLocaleString('en');

async function suppressionScenario(ctx) {
  const listSize = ctx.opts.sizes.suppressionList;
  const size = ctx.opts.sizes.instant;
  const listFile = recipientsFile(listSize, LIST_FIRST);
  const file = recipientsFile(size);
  const out = { listSize, size, imports: [], withList: [], emptyList: [], history: [], off: [] };
  const importList = async () => {
    const exit = await runToEnd(smsq('suppress', ['suppress', 'import', listFile], { env: ctx.env }), { timeoutMs: 120_000 });
    const run = { wallMs: exit.wallMs, rate: (listSize / exit.wallMs) * 1000, rssMb: exit.maxRssKb / 1024 };
    out.imports.push(run);
    return run;
  };
  const historyEnv = { ...ctx.env, SMS_CONTACT_HISTORY: 'true' };
  const offEnv = { ...ctx.env, SMS_SUPPRESSION_CHECK: 'false', SMS_CONTACT_HISTORY: 'false' };
  for (let i = 1; i <= ctx.opts.runs; i++) {
    const label = `suppression ${i}/${ctx.opts.runs}`;
    const withList = await ctx.load.undisturbed(`${label}, ${fmt(listSize)} numbers on the list`, () =>
      runPipeline(ctx, { workers: 1, size, file, prepare: importList }),
    );
    const empty = await ctx.load.undisturbed(`${label}, empty list`, () => runPipeline(ctx, { workers: 1, size, file }));
    // The list again (each run starts from no keys), so that the history's cost is measured with a list to check.
    const history = await ctx.load.undisturbed(`${label}, the list and contact history on`, () =>
      runPipeline(ctx, { workers: 1, size, file, env: historyEnv, prepare: importList }),
    );
    const off = await ctx.load.undisturbed(`${label}, check and contact history off`, () =>
      runPipeline(ctx, { workers: 1, size, file, env: offEnv }),
    );
    withList.ratioToEmpty = withList.rate / empty.rate;
    history.ratioToEmpty = history.rate / empty.rate;
    // Our keys less the list itself: what the campaign and its contact history hold.
    history.keyBytesPerRecipientWithoutList = history.keyBytesPerRecipient - (history.keyKindsPerRecipient['suppression list']?.bytes ?? 0);
    empty.ratioToOff = empty.rate / off.rate;
    out.withList.push(withList);
    out.emptyList.push(empty);
    out.history.push(history);
    out.off.push(off);
    ctx.log(
      `${label}: import ${fmt(listSize)} in ${fmt(withList.prepared.wallMs)} ms; dispatch ${fmt(withList.rate)}/s with the list, ` +
        `${fmt(empty.rate)}/s with none, ${fmt(history.rate)}/s with the list and contact history, ${fmt(off.rate)}/s with opt-outs off`,
    );
  }
  return out;
}

module.exports = { suppressionScenario };
