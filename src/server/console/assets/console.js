/*
 * The campaign console's script, for the campaign pages (body[data-page]) and, with accounts.js and tenants.js, the
 * Accounts and Tenants pages. It shows who is logged in and offers only what that login reaches. It polls the server every POLL_MS:
 * campaign state lives in Redis, written by workers in other processes, so the server would have to poll Redis
 * to push events anyway; polling keeps the server stateless and works through any proxy. No framework, no build:
 * elements are built with textContent (campaign ids and texts are never parsed as HTML).
 */
/* global campaignAuditSection, campaignCanarySection, campaignClicksSection */
'use strict';

const POLL_MS = 2000;
const API = '/console/api';

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

/** The answer's JSON; an error answer throws an Error carrying its HTTP `status` and error `code`. */
async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error((body.error && body.error.message) || `HTTP ${res.status}`);
    err.status = res.status;
    err.code = body.error && body.error.code;
    throw err;
  }
  return body;
}

/** Who is logged in (GET /whoami): set before a page's first poll. */
let me = { keyName: '', scope: 'admin', reaches: { write: true, accounts: true, admin: true } };

/**
 * Reads who is logged in, names them in the header and reveals the links their login reaches (the links are hidden
 * in the pages, so a tenant's operator never sees one it cannot use).
 */
async function login() {
  me = await getJson(`${API}/whoami`);
  for (const a of document.querySelectorAll('nav [data-needs]')) a.hidden = !me.reaches[a.dataset.needs];
  const who = document.getElementById('who');
  who.textContent = me.tenant ? `tenant ${me.tenant} · key ${me.keyName}` : `${me.keyName} · ${me.scope}`;
  who.title = me.tenant
    ? `Logged in with the ${me.scope} key ${me.keyName} (${me.keyId}): only tenant ${me.tenant}'s campaigns`
    : `Logged in as ${me.keyName}: every tenant`;
  return me;
}

const fmt = new Intl.NumberFormat('en');
const n = (x) => fmt.format(x);
const pct = (x) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
const cost = (c) =>
  Object.entries(c || {})
    .map(([cur, sum]) => `${sum} ${cur}`)
    .join(' + ') || '–';

function age(iso) {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.floor(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

function duration(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * The share of a campaign the progress shows: recipients settled — but for a cancelled campaign those processed
 * (sent, failed, unknown, not sent, kept from sending), since its cancelled recipients are settled without being sent —
 * out of all its recipients, those never queued (`unstaged`) included: a campaign that lost some never shows 100%.
 */
function doneShare(state, counts, unstaged) {
  const whole = counts.total + unstaged;
  if (!whole) return 0;
  const settled = counts.total - counts.pending;
  return (state === 'cancelled' ? settled - counts.cancelled : settled) / whole;
}

/** Recipients of a campaign that were never queued (its file or list was cut short): 0 when none. */
function unstagedOf(c) {
  return (c.unstaged && c.unstaged.count > 0 && c.unstaged.count) || 0;
}

/** settled / total, with sent, failed, unknown and the rest (cancelled, not sent, suppressed, capped, expired) as coloured segments. */
function progressBar(counts, big, state, unstaged) {
  const bar = el('div', { class: big ? 'bar big' : 'bar', role: 'progressbar' });
  const total = counts.total + unstaged || 1;
  for (const k of ['sent', 'failed', 'unknown', 'cancelled']) {
    const seg = el('div', { class: `fill seg-${k}` });
    // Recipients kept from sending (not sent, suppressed, capped, expired) share the cancelled segment's grey.
    const kept = counts.cancelled + counts.notSent + (counts.suppressed ?? 0) + (counts.capped ?? 0) + (counts.expired ?? 0);
    seg.style.width = `${(100 * (k === 'cancelled' ? kept : counts[k])) / total}%`;
    bar.append(seg);
  }
  bar.setAttribute('aria-valuenow', String(Math.round(doneShare(state, counts, unstaged) * 100)));
  bar.setAttribute('aria-valuemin', '0');
  bar.setAttribute('aria-valuemax', '100');
  return bar;
}

/**
 * A campaign's state as a badge. A campaign that lost recipients — some never queued (`unstaged`), or none at all
 * to send — is shown as a warning with its numbers, never as a plain green `completed`.
 */
function stateBadge(c) {
  const lost = c.unstaged && c.unstaged.count > 0 ? c.unstaged.count : 0;
  if (lost > 0) return { cls: 'warning', text: `${c.state} · ${n(lost)} never queued` };
  if (c.counts.total === 0 && c.state === 'completed') return { cls: 'warning', text: `${c.state} · no recipient` };
  return { cls: c.state, text: c.state };
}

function badge(c) {
  const b = stateBadge(c);
  return el('span', { class: `badge ${b.cls}`, text: b.text, title: c.unstaged ? c.unstaged.reason : '' });
}

function banners(queue) {
  const box = document.getElementById('banners');
  box.replaceChildren();
  if (queue.accountStop) {
    const s = queue.accountStop;
    box.append(
      el(
        'div',
        { class: 'banner stop' },
        el('strong', { text: 'Sending is stopped for the whole account. ' }),
        `Gateway status ${s.code}: ${s.reason} (since ${new Date(s.at).toLocaleString()}). ` +
          (me.reaches.admin
            ? `${s.operatorAction.charAt(0).toUpperCase()}${s.operatorAction.slice(1)}, then run smsq resume.`
            : "Your campaigns wait until smsq's operator has it fixed."),
      ),
    );
  } else if (queue.paused) {
    box.append(
      el(
        'div',
        { class: 'banner warn' },
        el('strong', { text: 'Sending is paused for the whole queue. ' }),
        me.reaches.admin
          ? 'smsq resume (or POST /v1/queue/resume) restarts it.'
          : "Your campaigns wait and go on when smsq's operator resumes it.",
      ),
    );
  }
  if (queue.workers === 0) {
    box.append(
      el(
        'div',
        { class: 'banner warn' },
        el('strong', { text: 'No worker is connected to the queue: ' }),
        me.reaches.admin ? 'nothing is sending. Start one with smsq worker.' : "nothing is sending until smsq's operator starts one.",
      ),
    );
  }
}

/** Runs a page once the login is known; if it cannot be read, says so where the page would show it is live. */
function start(page) {
  login().then(page, (err) => {
    const live = document.getElementById('live');
    live.classList.add('stale');
    live.textContent = `not updating: ${err.message}`;
  });
}

/** Polls `load` every POLL_MS; the "live" mark says when the last poll failed. */
function poll(load) {
  const live = document.getElementById('live');
  const tick = async () => {
    try {
      await load();
      live.classList.remove('stale');
      live.textContent = 'live';
    } catch (err) {
      live.classList.add('stale');
      live.textContent = `not updating: ${err.message}`;
    }
    setTimeout(tick, POLL_MS);
  };
  tick();
}

/* ---------- the list ---------- */

function listPage() {
  const rows = document.getElementById('rows');
  const more = document.getElementById('more');
  const stateSelect = document.getElementById('state');
  const tenantSelect = document.getElementById('tenant');
  const asked = new URLSearchParams(location.search);
  let pages = 1;
  stateSelect.value = asked.get('state') || '';
  const filtersChanged = () => {
    const q = new URLSearchParams();
    if (stateSelect.value) q.set('state', stateSelect.value);
    if (tenantSelect.value) q.set('tenant', tenantSelect.value);
    const qs = q.toString();
    history.replaceState(null, '', qs ? `/?${qs}` : '/');
    pages = 1;
    load();
  };
  stateSelect.addEventListener('change', filtersChanged);
  tenantSelect.addEventListener('change', filtersChanged);

  /** A login that sees every tenant gets the Tenant column and a filter of the tenants known; a tenant's, neither. */
  function showTenants() {
    if (me.tenant) return;
    const wanted = asked.get('tenant') || '';
    const names = me.tenants.includes(wanted) || !wanted ? me.tenants : [...me.tenants, wanted];
    tenantSelect.append(...names.map((t) => el('option', { text: t })));
    tenantSelect.value = wanted;
    document.getElementById('tenant-filter').hidden = false;
    document.getElementById('campaigns').classList.add('with-tenant');
  }
  more.addEventListener('click', () => {
    pages++;
    load();
  });

  function row(c) {
    const d = c.delivery;
    const done = doneShare(c.state, c.counts, unstagedOf(c));
    return el(
      'tr',
      { 'data-campaign': c.campaignId },
      el('td', {}, el('a', { href: `/console/campaigns/${encodeURIComponent(c.campaignId)}`, text: c.campaignId, title: c.content })),
      el('td', {}, badge(c)),
      el('td', {}, el('span', { class: `tag ${c.priority}`, text: c.priority })),
      el(
        'td',
        {},
        el(
          'div',
          { class: 'bar-row' },
          progressBar(c.counts, false, c.state, unstagedOf(c)),
          el('span', { text: `${Math.floor(done * 100)}%` }),
        ),
      ),
      el('td', { class: 'num', text: n(c.counts.sent) }),
      el('td', { class: 'num', text: n(c.counts.failed) }),
      el('td', { class: 'num', text: n(c.counts.unknown) }),
      el('td', { class: 'num', text: n(c.counts.pending) }),
      el('td', { class: 'num', text: pct(d.deliveryRate), title: `${n(d.pending)} reports pending` }),
      // Empty for a campaign without tracked links; `–` for one with nothing sent yet.
      c.links
        ? el('td', {
            class: 'num',
            text: pct(c.links.clickRate),
            title: `${n(c.links.clicks)} clicks by ${n(c.links.clickers)} recipients`,
          })
        : el('td', { class: 'num', title: 'no tracked links' }),
      el('td', { class: 'num', text: cost(d.cost) }),
      el('td', { class: 'num', text: age(c.createdAt), title: c.createdAt }),
      el('td', { class: 'tenant-col', text: c.tenant || '–', title: c.tenant ? '' : 'queued with an admin key: no tenant' }),
    );
  }

  async function load() {
    const state = stateSelect.value;
    const tenant = tenantSelect.value;
    const shown = [];
    let cursor;
    let next;
    for (let p = 0; p < pages; p++) {
      const q = new URLSearchParams({ limit: '50' });
      if (state) q.set('state', state);
      if (tenant) q.set('tenant', tenant);
      if (cursor) q.set('cursor', cursor);
      const page = await getJson(`${API}/v1/campaigns?${q}`);
      shown.push(...page.campaigns);
      next = page.next;
      if (!next) break;
      cursor = next;
    }
    rows.replaceChildren(
      ...(shown.length
        ? shown.map(row)
        : [
            el(
              'tr',
              {},
              el('td', {
                colspan: '13',
                class: 'empty',
                text:
                  state || tenant
                    ? `No ${state ? `${state} ` : ''}campaign${tenant ? ` of tenant ${tenant}` : ''}.`
                    : 'No campaign yet: smsq enqueue, or POST /v1/campaigns.',
              }),
            ),
          ]),
    );
    more.hidden = !next;
    banners(await getJson(`${API}/status`));
  }
  start(() => {
    showTenants();
    poll(load);
  });
}

/* ---------- one campaign ---------- */

/** Seconds averaged over for each point: batches of 1,000 end in bursts, and a 1 s rate would saw-tooth. */
const RATE_WINDOW_S = 5;

/**
 * Recipients settled per second, from the cumulative samples: one point per step (1 s, wider for campaigns
 * longer than 600 steps), each the average over the RATE_WINDOW_S (or the step, if wider) before it.
 */
function rates(series) {
  if (series.length === 0) return [[], [], []];
  const first = Math.floor(series[0].at / 1000) - 1;
  const last = Math.ceil(series[series.length - 1].at / 1000);
  const step = Math.max(1, Math.ceil((last - first) / 600));
  const window = Math.max(RATE_WINDOW_S, step);
  const zero = { sent: 0, failed: 0, unknown: 0 };
  // The cumulative counts at the end of each second (carried over the seconds without a sample).
  const at = (t) => {
    let lo = -1;
    for (let hi = series.length - 1; lo < hi;) {
      const mid = Math.ceil((lo + hi + 1) / 2);
      if (series[mid].at <= t * 1000) lo = mid;
      else hi = mid - 1;
    }
    return lo < 0 ? zero : series[lo];
  };
  const xs = [];
  const sent = [];
  const failures = [];
  for (let t = first; t <= last; t += step) {
    const cur = at(t);
    const prev = at(t - window);
    const secs = Math.min(window, t - first) || 1;
    xs.push(t);
    sent.push((cur.sent - prev.sent) / secs);
    failures.push((cur.failed + cur.unknown - prev.failed - prev.unknown) / secs);
  }
  return [xs, sent, failures];
}

/** Seconds to finish at the rate of the last 30 s of samples (or of the whole run when shorter). */
function eta(series, pending) {
  if (pending === 0 || series.length < 2) return pending === 0 ? 0 : Infinity;
  const end = series[series.length - 1];
  const start = series.find((s) => s.at >= end.at - 30_000) || series[0];
  const settled = (s) => s.sent + s.failed + s.unknown;
  const secs = (end.at - start.at) / 1000;
  const rate = secs > 0 ? (settled(end) - settled(start)) / secs : 0;
  return rate > 0 ? pending / rate : Infinity;
}

/** Why a campaign with recipients pending is not sending now, if it is not: it then has no rate to finish by. */
const NOT_SENDING = {
  paused: 'paused',
  scheduled: 'not started',
  'waiting-window': 'when its window opens',
  cancelled: 'will not',
  failed: 'will not',
};

/**
 * Why campaign `c` is not sending its pending recipients now, if it is not: its state, or its canary (canary.js), which
 * the rest of its list waits for — the canary's own rate says nothing of when the rest will go.
 */
function notSending(c) {
  const canary = c.canary && (c.canary.state === 'sending' || c.canary.state === 'holding');
  return NOT_SENDING[c.state] || (canary ? 'after its canary' : undefined);
}

/** What "finish in" says: a time only while the campaign sends and moves. */
function finishIn(c, pending, left, stalled) {
  if (pending === 0) return 'done';
  return notSending(c) || (stalled ? 'not while stalled' : duration(left));
}

/** The progress line: settled (processed, once cancelled) of the total, and an estimate only while it moves. */
function progressLine(o, left) {
  const c = o.campaign;
  const counts = c.counts;
  // Out of every recipient the campaign was given: those never queued count against its progress.
  const unstaged = unstagedOf(c);
  const whole = counts.total + unstaged;
  const pctOf = (x) => `${whole ? Math.floor((100 * x) / whole) : 0}%`;
  const lost = unstaged > 0 ? ` · ${n(unstaged)} of them never queued` : '';
  if (c.state === 'cancelled') {
    const processed = counts.total - counts.pending - counts.cancelled;
    return `Cancelled after ${n(processed)} of ${n(whole)} recipients were processed (${pctOf(processed)}) · ${n(counts.cancelled)} cancelled${lost}`;
  }
  const done = counts.total - counts.pending;
  const head = `${n(done)} of ${n(whole)} recipients settled (${pctOf(done)})${lost}`;
  if (o.stalled)
    return `${head} · stalled since ${new Date(o.stalled.since).toLocaleTimeString()} (${age(o.stalled.since)}): no batch has started or finished since`;
  if (counts.pending > 0 && notSending(c) === 'after its canary') return `${head} · the rest waits for its canary`;
  return head + (counts.pending > 0 && !notSending(c) ? ` · about ${duration(left)} to go` : '');
}

/** What is wrong with a campaign, in words: why it stalled, its failed batch jobs, recipients it lost. */
function healthNotes(o) {
  const c = o.campaign;
  const notes = [];
  if (o.stalled) {
    notes.push(
      `Stalled since ${new Date(o.stalled.since).toLocaleString()}: ${o.stalled.reasons.length ? o.stalled.reasons.join('; ') : 'no cause known to smsq (a worker may be stuck); see bull-board'}.`,
    );
  } else if (o.failedJobs.count > 0) {
    notes.push(
      `${n(o.failedJobs.count)} batch job(s) failed (first: ${o.failedJobs.first.reason || 'no reason given'}): their recipients stay pending until retried in bull-board.`,
    );
  }
  if (c.unstaged && c.unstaged.count > 0)
    notes.push(
      `${n(c.unstaged.count)} recipients were never queued${c.unstaged.reason ? `: ${c.unstaged.reason}` : ''}. They are not in the counts and nobody sent them.`,
    );
  if (c.counts.total === 0 && c.state === 'completed') notes.push('No recipient was queued: nothing was sent.');
  return notes;
}

/** The x axis's tick steps in seconds, from 1 s to a week: the chart of recipients per second never ticks finer than its labels. */
const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 14_400, 21_600, 43_200, 86_400, 172_800, 604_800];

function campaignPage() {
  const id = decodeURIComponent(location.pathname.split('/').pop());
  const base = `${API}/v1/campaigns/${encodeURIComponent(id)}`;
  document.getElementById('name').textContent = id;
  document.title = `${id} · smsq`;
  let chart = null;
  let readOnly = false;
  // audit.js, which campaign.html loads before this script.
  const audit = campaignAuditSection(id);
  // clicks.js, likewise: a tracked campaign's clicks.
  const clicks = campaignClicksSection();
  // canary.js, likewise: a campaign's canary and its gates.
  const canary = campaignCanarySection();

  function pairs(dl, entries) {
    dl.replaceChildren(...entries.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
  }

  function drawChart(series) {
    const data = rates(series);
    const box = document.getElementById('chart');
    const width = box.clientWidth || 900;
    if (!chart) {
      chart = new uPlot(
        {
          width,
          height: 260,
          series: [
            {},
            { label: 'sent / s', stroke: '#1f9d55', fill: 'rgba(31,157,85,.12)', width: 2 },
            { label: 'failed or unknown / s', stroke: '#d64545', width: 2 },
          ],
          // Room on the right for the last time label, which the canvas would otherwise cut.
          padding: [null, 36, null, null],
          axes: [
            // Whole seconds at least: the labels show seconds, so finer ticks on a short campaign repeated them.
            { values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleTimeString()), space: 80, incrs: TIME_INCRS },
            { label: 'recipients / s', size: 60 },
          ],
          scales: { x: { time: true } },
          // The legend names the lines; values under the cursor would read "--" in a screenshot.
          legend: { live: false },
        },
        data,
        box,
      );
    } else {
      chart.setData(data);
      if (chart.width !== width) chart.setSize({ width, height: 260 });
    }
  }

  function funnel(c) {
    const d = c.delivery;
    const sent = c.counts.sent || 1;
    const steps = [
      ['sent', c.counts.sent],
      ['delivered', d.delivered],
      ['undelivered', d.undelivered],
      ['pending', d.pending],
      ['expired', d.expired],
    ];
    document.getElementById('funnel').replaceChildren(
      ...steps.map(([name, value]) => {
        const fill = el('div', { class: 'fill' });
        fill.style.width = `${(100 * value) / sent}%`;
        return el(
          'div',
          { class: `step ${name}` },
          el('span', { text: name }),
          el('div', { class: 'bar' }, fill),
          el('span', { text: n(value) }),
        );
      }),
    );
    document.getElementById('rate').textContent =
      `Delivery rate ${pct(d.deliveryRate)} of the ${n(d.delivered + d.undelivered)} with a final report; ${n(d.pending)} still pending.`;
  }

  function render(o) {
    const c = o.campaign;
    const counts = c.counts;
    const stateEl = document.getElementById('state');
    const b = stateBadge(c);
    stateEl.textContent = b.text;
    stateEl.className = `badge ${b.cls}`;
    const stalledEl = document.getElementById('stalled');
    stalledEl.hidden = !o.stalled;
    const notes = healthNotes(o);
    document.getElementById('health').replaceChildren(...notes.map((t) => el('p', { class: 'notice', text: t })));
    const pri = document.getElementById('priority');
    pri.textContent = `priority ${c.priority}`;
    pri.className = `tag ${c.priority}`;
    // A tenant's own login knows whose campaign it is; an admin is told.
    const owner = document.getElementById('tenant');
    owner.hidden = !c.tenant || Boolean(me.tenant);
    owner.textContent = `tenant ${c.tenant}`;
    const p = c.paused;
    const pause = p ? ` · paused${p.by ? ` by ${p.by}` : ''}${p.reason ? `: ${p.reason}` : ''}` : '';
    const s = c.schedule;
    const when = s
      ? [
          s.sendAt && ` · send at ${new Date(s.sendAt).toLocaleString()}`,
          s.window && ` · window ${s.window}${s.timezone ? ` (${s.timezone})` : ' (local time)'}`,
          s.expireAt && ` · valid until ${new Date(s.expireAt).toLocaleString()}`,
          s.waiting &&
            ` · ${s.waiting.batches} batch(es) wait for their window, next opens ${new Date(s.waiting.nextOpenAt).toLocaleString()}`,
        ]
          .filter(Boolean)
          .join('')
      : '';
    const st = c.staging;
    const staging = st
      ? st.producerAlive
        ? ` · staging: ${n(st.staged)} of ${n(counts.total)} written, the rest send as they are written`
        : ` · staging stopped at ${n(st.staged)} of ${n(counts.total)}: its producer is gone (queue the same campaign again to stage the rest, or cancel it)`
      : c.unstaged
        ? ` · ${n(c.unstaged.count)} recipients never queued: ${c.unstaged.reason}`
        : '';
    document.getElementById('meta').textContent =
      `“${c.content}”${c.senderId ? ` from ${c.senderId}` : ''} · created ${new Date(c.createdAt).toLocaleString()} (${age(c.createdAt)} ago)` +
      `${c.finishedAt ? ` · finished ${new Date(c.finishedAt).toLocaleString()}` : ''}${when}${staging}${pause}${c.failure ? ` · failed: ${c.failure.code} ${c.failure.reason}` : ''}`;
    const bar = document.querySelector('.bar.big');
    bar.replaceWith(progressBar(counts, true, c.state, unstagedOf(c)));
    const left = eta(o.series, counts.pending);
    document.getElementById('progress-text').textContent = progressLine(o, left);
    const tiles = [
      ['sent', counts.sent],
      ['failed', counts.failed],
      ['unknown', counts.unknown],
      ['pending', counts.pending],
      ['cancelled', counts.cancelled],
      ['not sent', counts.notSent],
      ['skipped', counts.duplicatesSkipped + counts.invalidSkipped],
      // Opt-outs and validity: shown once a campaign has any.
      ...[
        ['suppressed', counts.suppressed],
        ['capped', counts.capped],
        ['expired', counts.expired],
      ].filter(([, v]) => v > 0),
    ];
    document
      .getElementById('counts')
      .replaceChildren(
        ...tiles.map(([k, v]) => el('div', { class: `tile-${k.replace(' ', '-')}` }, el('dt', { text: k }), el('dd', { text: n(v) }))),
      );
    funnel(c);
    pairs(document.getElementById('cost'), [
      ...Object.entries(c.delivery.cost).map(([cur, sum]) => [cur, sum]),
      ['priced reports', n(c.delivery.priced)],
    ]);
    pairs(document.getElementById('batches'), [
      ['in flight', n(o.batches.inFlight)],
      ['waiting', n(o.batches.waiting)],
      ['failed jobs', n(o.failedJobs.count)],
      ['of', n(c.batches)],
      ['workers', o.queue.workers === null ? 'not known' : n(o.queue.workers)],
      ['finish in', finishIn(c, counts.pending, left, Boolean(o.stalled))],
    ]);
    const codes = [
      ...Object.entries(c.outcomeCodes.failed).map(([code, k]) => ['failed', code, k]),
      ...Object.entries(c.outcomeCodes.unknown).map(([code, k]) => ['unknown', code, k]),
    ];
    document
      .getElementById('codes')
      .replaceChildren(
        ...(codes.length
          ? codes
              .sort((a, b) => b[2] - a[2])
              .map(([kind, code, k]) =>
                el('tr', {}, el('td', { text: kind }), el('td', { text: code }), el('td', { class: 'num', text: n(k) })),
              )
          : [el('tr', {}, el('td', { colspan: '3', class: 'empty', text: 'None.' }))]),
      );
    banners(o.queue);
    drawChart(o.series);
    clicks.render(c, o.clicks);
    canary.render(c);
    const active = c.state === 'queued' || c.state === 'running' || c.state === 'waiting-window';
    const ended = c.state === 'completed' || c.state === 'failed' || c.state === 'cancelled';
    const enabled = { pause: active, resume: c.state === 'paused', cancel: !ended, settle: ended && counts.unknown > 0 };
    for (const b of document.querySelectorAll('[data-action]')) b.disabled = readOnly || !enabled[b.dataset.action];
    // The trail is read again when the campaign shows a change (another operator's pause, a settle).
    audit.refresh([c.state, c.paused && c.paused.at, c.schedule && c.schedule.sendAt, c.maxCost, ended && counts.unknown].join('|'));
  }

  /**
   * Not found: the same page for an id that never existed and for another tenant's campaign, which a tenant's
   * login cannot name (its ids are its own); the page keeps asking, in case the campaign is queued under that id.
   */
  function notFound() {
    const box = document.getElementById('not-found');
    box.textContent = `Campaign not found: “${id}” was never queued, its results have expired, or this login does not see it. The list shows the campaigns it sees.`;
    box.hidden = false;
    document.getElementById('campaign-body').hidden = true;
    document.querySelector('.title .actions').hidden = true;
    document.getElementById('state').hidden = true;
    document.getElementById('priority').hidden = true;
  }

  async function load() {
    let o;
    try {
      o = await getJson(`${API}/campaigns/${encodeURIComponent(id)}/overview${clicks.wanted() ? '?clicks=true' : ''}`);
    } catch (err) {
      if (err.status !== 404) throw err;
      notFound();
      return;
    }
    document.getElementById('not-found').hidden = true;
    document.getElementById('campaign-body').hidden = false;
    document.querySelector('.title .actions').hidden = !me.reaches.write;
    document.getElementById('state').hidden = false;
    document.getElementById('priority').hidden = false;
    render(o);
  }

  const QUESTIONS = {
    pause: 'Pause this campaign? Batches in flight finish; no new batch of it starts until you resume it.',
    resume: 'Resume this campaign? Its remaining batches are sent again.',
    cancel:
      'Cancel this campaign? No call of it starts once the server answers; its unsent recipients end cancelled. This cannot be undone.',
    settle: "Settle this campaign's unknown recipients? They are looked up in the gateway's sent records.",
  };
  const dialog = document.getElementById('confirm');
  let pending = null;
  document.getElementById('confirm-no').addEventListener('click', () => dialog.close());
  document.getElementById('confirm-yes').addEventListener('click', async () => {
    dialog.close();
    const action = pending;
    pending = null;
    const msg = document.getElementById('message');
    try {
      // JSON, which a form on another site cannot send: the server refuses actions in any other type.
      const res = await fetch(`${base}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error((body.error && body.error.message) || `HTTP ${res.status}`);
      msg.className = 'message';
      msg.textContent =
        action === 'settle'
          ? `Settled: ${body.sent} found sent, ${body.notSent} not sent, ${body.tooRecent} still unknown.`
          : `${action[0].toUpperCase()}${action.slice(1)}: done.`;
    } catch (err) {
      msg.className = 'message error';
      msg.textContent = `${action} failed: ${err.message}`;
    }
    msg.hidden = false;
    // An action changes what the page shows of the campaign, so this poll reads the audit trail again too.
    await load().catch(() => undefined);
  });
  for (const b of document.querySelectorAll('[data-action]')) {
    b.addEventListener('click', () => {
      pending = b.dataset.action;
      document.getElementById('confirm-text').textContent = (pending === 'resume' && canary.resumeQuestion()) || QUESTIONS[pending];
      document.getElementById('confirm-yes').textContent = `${pending[0].toUpperCase()}${pending.slice(1)} campaign`;
      dialog.showModal();
    });
  }
  getJson(`${API}/status`).then(
    (s) => {
      readOnly = s.readOnly;
    },
    () => undefined,
  );
  start(() => poll(load));
}

// The Accounts and Tenants pages run their own scripts (accounts.js, tenants.js), after this one.
if (document.body.dataset.page === 'list') listPage();
else if (document.body.dataset.page === 'campaign') campaignPage();
