/*
 * The campaign page's canary card (campaign.html), for a campaign with a canary: where the canary is in words, its
 * size, hold and figures, and each gate set with its limit, the canary's figure once judged, and whether it passed.
 * With A/B variants, a table of them side by side: one column per text, its share of the canary and what it did, the
 * measure that picks the winner marked, and the winner once the canary is judged.
 * On console.js's helpers (el, n, pct, duration), defined by the time this is called. Everything comes with the
 * campaign of every poll (its `canary` field): no read of its own.
 */
/* global el, n, pct, duration */
/* exported campaignCanarySection */
'use strict';

/** Each gate: its name in words, how its limit reads, the canary's figure for it and that figure's base. */
const GATES = [
  { key: 'maxFailedRate', name: 'failed rate', bound: 'at most', rate: 'failedRate', count: 'failed', base: 'called' },
  { key: 'minDeliveredRate', name: 'delivered rate', bound: 'at least', rate: 'deliveredRate', count: 'delivered', base: 'sent' },
  { key: 'maxOptOutRate', name: 'opt-out rate', bound: 'at most', rate: 'optOutRate', count: 'optOuts', base: 'sent' },
];

/** The rows of the variants table once judged: a label, and the cell of one text's figures. */
const VARIANT_ROWS = [
  { key: 'recipients', label: 'recipients', cell: (f, share) => `${n(f.recipients)} (${pct(share)})` },
  { key: 'sent', label: 'sent', cell: (f) => n(f.sent) },
  { key: 'delivered', label: 'delivered rate', rate: 'deliveredRate', count: 'delivered' },
  { key: 'clicks', label: 'click rate', rate: 'clickRate', count: 'clickers', needsLinks: true },
  { key: 'replies', label: 'reply rate', rate: 'replyRate', count: 'replies', needsMeasure: true },
];
const MEASURE_WORDS = { delivered: 'delivered rate', clicks: 'click rate', replies: 'reply rate' };
/** How much of a text a cell shows; the whole text is its title. */
const TEXT_CUT = 80;

const variantName = (k) => String.fromCharCode(65 + k);
const cut = (text) => {
  const chars = [...text];
  return chars.length > TEXT_CUT
    ? `${chars
        .slice(0, TEXT_CUT - 1)
        .join('')
        .trimEnd()}…`
    : text;
};

/** A time of day, HH:MM, with the date when it is not today. */
function clockTime(ms) {
  const d = new Date(ms);
  const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === new Date().toDateString() ? hm : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${hm}`;
}

/** The canary's state in a few words (`head`), a sentence more, and its colour (`cls`); `anyFailed`: a gate failed on its figures (it may since be resumed). */
function canaryWords(c, canary, anyFailed) {
  const size = `${n(canary.size)} recipients drawn at random`;
  switch (canary.state) {
    case 'sending':
      return {
        cls: 'sending',
        head: 'sending the canary',
        text: `${size} are sent first; the rest of the list waits for them, then for the hold (${duration(canary.holdMs / 1000)}).`,
      };
    case 'holding': {
      const until = Date.parse(canary.sentAt) + canary.holdMs;
      return {
        cls: 'holding',
        head: Number.isFinite(until) ? `holding until ${clockTime(until)}` : 'holding',
        text: `The canary's ${size} are settled; its gates are judged when the hold ends at ${new Date(until).toLocaleString()}. Nothing else of the campaign is sent until then.`,
      };
    }
    case 'stopped':
      return c.state === 'cancelled'
        ? {
            cls: 'stopped',
            head: 'stopped by a gate',
            text: 'The canary failed a gate and the campaign was cancelled: the rest of its list was not sent.',
          }
        : {
            cls: 'stopped',
            head: 'stopped by a gate: the campaign is paused — Resume sends the rest, Cancel ends it',
            text: `The canary failed the gate marked below; the rest of the list (${n(c.counts.pending)} recipients) waits.`,
          };
    default: {
      const words = {
        completed: 'released: the rest was sent',
        cancelled: 'released; the campaign was cancelled since',
        failed: 'released; the campaign failed since',
        paused: 'released: the rest waits while the campaign is paused',
      };
      return {
        cls: 'released',
        head: words[c.state] || 'released: the rest is sending',
        text: anyFailed
          ? 'The canary failed a gate and the campaign was resumed: the rest of its list was released all the same.'
          : Object.keys(canary.gates).length
            ? 'The canary passed its gates; the rest of the list was released.'
            : 'The canary held for its time; the rest of the list was released.',
      };
    }
  }
}

function campaignCanarySection() {
  const card = document.getElementById('canary');
  let last = null;
  /** The gates the canary's figures failed, as the server judged them (the rule lives in one place, on the server). */
  let failedGates = [];

  function gateRow(gate, limit, f, judged) {
    const failed = judged && failedGates.includes(gate.key);
    const figure = judged ? `${pct(f[gate.rate])} (${n(f[gate.count])} of ${n(f[gate.base])} ${gate.base})` : '–';
    const result = !judged ? ['waiting', 'not judged yet'] : failed ? ['gate-fail', 'failed'] : ['gate-pass', 'passed'];
    return el(
      'tr',
      { 'data-gate': gate.key, class: failed ? 'failed' : '' },
      el('td', { text: gate.name }),
      el('td', { class: 'num', text: `${gate.bound} ${pct(limit)}` }),
      el('td', { class: 'num', text: figure }),
      el('td', { class: 'result' }, el('span', { class: `badge ${result[0]}`, text: result[1] })),
    );
  }

  /**
   * The variants side by side: a column per text (A, B, …) with its text (cut, the whole in its title). Once the
   * canary is judged, rows of what each did (click rate only with tracked links; reply rate only when replies are the
   * measure, the only time they are counted per text), the measure's row marked and the
   * winner's column highlighted; before, the texts and when they are judged.
   */
  function renderVariants(c) {
    const box = document.getElementById('canary-variants');
    const v = c.variants;
    box.hidden = !v;
    if (!v) return;
    const f = v.figures;
    const judged = Boolean(f) && v.winner !== undefined && v.winner !== null;
    const winner = judged ? v.winner : -1;
    const total = judged ? f.reduce((sum, x) => sum + x.recipients, 0) : 0;
    const col = (k) => ({ 'data-variant': variantName(k), class: k === winner ? 'winner' : '' });
    document
      .getElementById('variants-head')
      .replaceChildren(
        el('th', { text: '' }),
        ...v.texts.map((_, k) =>
          el(
            'th',
            col(k),
            el('span', { class: 'variant-name', text: variantName(k) }),
            k === winner ? el('span', { class: 'badge winner', text: 'winner' }) : null,
          ),
        ),
      );
    const textRow = el(
      'tr',
      { 'data-row': 'text' },
      el('th', { scope: 'row', text: 'text' }),
      ...v.texts.map((t, k) =>
        el('td', { ...col(k), class: `variant-text ${k === winner ? 'winner' : ''}`.trim(), title: t, text: cut(t) }),
      ),
    );
    const rows = judged
      ? VARIANT_ROWS.filter((r) => (!r.needsLinks || c.links) && (!r.needsMeasure || v.winnerBy === r.key)).map((r) => {
          const measure = r.key === v.winnerBy;
          return el(
            'tr',
            { 'data-row': r.key, class: measure ? 'measure' : '' },
            el(
              'th',
              { scope: 'row' },
              el('span', { text: r.label }),
              measure
                ? el('span', { class: 'badge measure', title: 'The winner is the text with the best of this', text: 'measure' })
                : null,
            ),
            ...f.map((x, k) =>
              el('td', {
                ...col(k),
                class: k === winner ? 'winner' : '',
                text: r.cell ? r.cell(x, total > 0 ? x.recipients / total : null) : `${pct(x[r.rate])} (${n(x[r.count])} of ${n(x.sent)})`,
              }),
            ),
          );
        })
      : [];
    document.getElementById('variants-body').replaceChildren(textRow, ...rows);
    const measure = MEASURE_WORDS[v.winnerBy] || v.winnerBy;
    document.getElementById('variants-note').textContent = judged
      ? `${v.texts.length} texts split evenly over the canary; ${variantName(winner)} had the best ${measure} and is the text the rest of the list gets (ties go to the earlier text).`
      : `${v.texts.length} texts split evenly over the canary, about ${n(Math.round(c.canary.size / v.texts.length))} recipients each; judged by ${measure} when the canary's hold ends, and the best is sent to the rest of the list.`;
  }

  return {
    /** Shows campaign `c`'s canary (none: the card stays hidden). */
    render(c) {
      const canary = c.canary;
      last = canary ? c : null;
      card.hidden = !canary;
      if (!canary) return;
      const f = canary.figures;
      const set = GATES.filter((g) => canary.gates[g.key] !== undefined);
      failedGates = (canary.failedGates ?? []).map((g) => g.gate);
      const anyFailed = failedGates.length > 0;
      const words = canaryWords(c, canary, anyFailed);
      const state = document.getElementById('canary-state');
      state.className = `canary-state ${words.cls}`;
      state.replaceChildren(el('strong', { text: words.head }), el('span', { text: words.text }));
      const facts = [
        ['size', `${n(canary.size)} of ${n(c.counts.total)} recipients`],
        ['hold', duration(canary.holdMs / 1000)],
        ['hold began', canary.sentAt ? new Date(canary.sentAt).toLocaleString() : '–'],
        // What the gates were judged on, once they were.
        ...(f
          ? [
              [
                'judged on',
                `${n(f.called)} called · ${n(f.sent)} sent · ${n(f.failed)} failed · ${n(f.delivered)} delivered · ${n(f.optOuts)} opt-outs`,
              ],
            ]
          : []),
      ];
      document.getElementById('canary-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
      document.getElementById('canary-gates-table').hidden = set.length === 0;
      document.getElementById('canary-gates').replaceChildren(...set.map((g) => gateRow(g, canary.gates[g.key], f, Boolean(f))));
      const none = document.getElementById('canary-no-gate');
      none.hidden = set.length > 0;
      none.textContent = `No gate set: the canary only holds, for ${duration(canary.holdMs / 1000)} once it is settled, then the rest is released.`;
      renderVariants(c);
    },

    /** What Resume's confirmation says for a campaign its canary stopped; null for any other. */
    resumeQuestion() {
      if (!last || last.canary.state !== 'stopped') return null;
      return `Resume this campaign? Its canary failed a gate; resuming sends the rest of its list (${n(last.counts.pending)} recipients) all the same.`;
    },
  };
}
