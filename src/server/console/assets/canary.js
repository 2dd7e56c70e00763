/*
 * The campaign page's canary card (campaign.html), for a campaign with a canary: where the canary is in words, its
 * size, hold and figures, and each gate set with its limit, the canary's figure once judged, and whether it passed.
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
    },

    /** What Resume's confirmation says for a campaign its canary stopped; null for any other. */
    resumeQuestion() {
      if (!last || last.canary.state !== 'stopped') return null;
      return `Resume this campaign? Its canary failed a gate; resuming sends the rest of its list (${n(last.counts.pending)} recipients) all the same.`;
    },
  };
}
