/*
 * The console's Accounts page (accounts.html), on console.js's helpers (el, getJson, poll, banners, POLL_MS, API),
 * which loads first. Every gateway account's state is polled every POLL_MS without balances; the balances cost one
 * getBalance call per account at its gateway, so they are read once a minute (BALANCE_MS) and kept in between.
 */
/* global API, banners, el, getJson, me, n, poll, start */
'use strict';

const BALANCE_MS = 60_000;

const STATE_TEXT = { ok: 'ok', stopped: 'stopped', open: 'breaker open', probe: 'probe' };

function accountsPage() {
  const rows = document.getElementById('rows');
  const msg = document.getElementById('message');
  const dialog = document.getElementById('confirm');
  /** name → { balance } or { balanceUnavailable }, from the last read with balances. */
  let balances = new Map();
  let balancesAt = 0;
  let readOnly = false;
  let resuming = null;

  const time = (iso) => new Date(iso).toLocaleTimeString();

  function stateCell(a) {
    const badge = el('span', { class: `badge account-${a.state}`, text: STATE_TEXT[a.state] || a.state });
    if (a.state !== 'stopped' || !a.stop) return el('td', {}, badge);
    return el(
      'td',
      { class: 'why' },
      badge,
      el('span', {
        text: ` ${a.stop.code} ${a.stop.reason} — ${a.stop.operatorAction}`,
        title: `since ${new Date(a.stop.at).toLocaleString()}`,
      }),
    );
  }

  function breakerCell(a) {
    const failures = `${n(a.breaker.failures)} failure${a.breaker.failures === 1 ? '' : 's'} in a row`;
    if (a.state === 'open') return el('td', { text: `open until ${time(a.breaker.probeAt)} (${failures})` });
    if (a.state === 'probe') return el('td', { text: `open: the next call tries it (${failures})` });
    return el('td', { text: a.breaker.failures > 0 ? `closed (${failures})` : 'closed' });
  }

  function balanceCell(a) {
    const b = balances.get(a.name);
    if (!b) return el('td', { class: 'num', text: '…' });
    if (b.balance)
      return el('td', {
        class: 'num',
        text: b.balance.available,
        title: `balance ${b.balance.balance}, gift ${b.balance.gift}, credit ${b.balance.credit}`,
      });
    return el('td', { class: 'num unavailable', text: 'unavailable', title: b.balanceUnavailable || '' });
  }

  function sendsTo(a) {
    const parts = [
      a.prefixes.length && `prefixes ${a.prefixes.join(', ')}`,
      a.countries.length && `countries ${a.countries.join(', ')}`,
      a.senderIds.length && `sender IDs ${a.senderIds.join(', ')}`,
    ].filter(Boolean);
    return parts.length ? parts.join(' · ') : 'any number';
  }

  function row(a) {
    const button = el('button', { type: 'button', 'data-resume': a.name, text: 'Resume' });
    // A read key without a tenant sees the accounts; only an admin resumes one.
    button.disabled = readOnly || !me.reaches.admin || a.state === 'ok';
    button.addEventListener('click', () => {
      resuming = a.name;
      document.getElementById('confirm-text').textContent =
        `Resume account ${a.name}? Its stop and circuit breaker are cleared, and every worker sends through it again within a second. Do it once its cause is fixed (a top-up, a new key).`;
      dialog.showModal();
    });
    return el(
      'tr',
      { 'data-account': a.name },
      el('td', {}, el('strong', { text: a.name })),
      stateCell(a),
      breakerCell(a),
      balanceCell(a),
      el('td', { class: 'num', text: a.maxRate > 0 ? `${n(a.maxRate)} / s` : 'no limit' }),
      el('td', { class: 'num', text: String(a.priority) }),
      el('td', { class: 'num', text: String(a.weight) }),
      el('td', { text: sendsTo(a) }),
      el('td', { text: a.gateway }),
      el('td', {}, button),
    );
  }

  async function load() {
    const now = Date.now();
    const withBalances = now - balancesAt >= BALANCE_MS;
    const { accounts } = await getJson(`${API}/v1/accounts${withBalances ? '' : '?balance=false'}`);
    if (withBalances) {
      balances = new Map(accounts.map((a) => [a.name, a]));
      balancesAt = now;
      document.getElementById('balances-at').textContent = `Balances read at ${new Date(now).toLocaleTimeString()}, every minute`;
    }
    rows.replaceChildren(...accounts.map(row));
    banners(await getJson(`${API}/status`));
  }

  document.getElementById('confirm-no').addEventListener('click', () => dialog.close());
  document.getElementById('confirm-yes').addEventListener('click', async () => {
    dialog.close();
    const name = resuming;
    resuming = null;
    try {
      // JSON, which a form on another site cannot send: the server refuses actions in any other type.
      const res = await fetch(`${API}/v1/accounts/${encodeURIComponent(name)}/resume`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error((body.error && body.error.message) || `HTTP ${res.status}`);
      const c = body.cleared;
      const what = [c.stop && `its stop (gateway status ${c.stop.code})`, c.breakerOpen && 'its open breaker'].filter(Boolean);
      msg.className = 'message';
      msg.textContent = `Account ${name} resumed${what.length ? `: cleared ${what.join(' and ')}` : ''}.`;
    } catch (err) {
      msg.className = 'message error';
      msg.textContent = `Resuming account ${name} failed: ${err.message}`;
    }
    msg.hidden = false;
    await load().catch(() => undefined);
  });
  getJson(`${API}/status`).then(
    (s) => {
      readOnly = s.readOnly;
    },
    () => undefined,
  );
  start(() => poll(load));
}

accountsPage();
