/*
 * The console's Tenants page (tenants.html), an admin's: each tenant's keys, limits, today's usage against them and
 * webhook URL, polled every POLL_MS, on console.js's helpers (el, getJson, poll, start, banners, API), which loads
 * first. The server sends no key, key hash or webhook secret, so none can be shown.
 */
/* global API, banners, el, getJson, n, poll, start */
'use strict';

const shownTime = (iso) => (iso ? new Date(iso).toLocaleString() : '–');

function keyRow(k) {
  return el(
    'tr',
    { 'data-key': k.id },
    el('td', {}, el('strong', { text: k.name })),
    el('td', { class: 'mono', text: k.id }),
    el('td', { text: k.scope }),
    el(
      'td',
      {},
      el('span', { class: `badge key-${k.status}`, text: k.status, title: k.revokedAt ? `revoked ${shownTime(k.revokedAt)}` : '' }),
    ),
    el('td', { text: shownTime(k.createdAt) }),
    el('td', { text: k.expiresAt ? shownTime(k.expiresAt) : 'never' }),
    el('td', { text: k.lastUsedAt ? shownTime(k.lastUsedAt) : 'never', title: 'written at most once a minute' }),
  );
}

function keysTable(keys) {
  return el(
    'table',
    { class: 'keys' },
    el('thead', {}, el('tr', {}, ...['Key', 'Id', 'Scope', 'Status', 'Created', 'Expires', 'Last used'].map((h) => el('th', { text: h })))),
    el('tbody', {}, ...(keys.length ? keys.map(keyRow) : [el('tr', {}, el('td', { colspan: '7', class: 'empty', text: 'No key.' }))])),
  );
}

/**
 * Today's use of a daily limit: a bar and "used of limit", or what was used when there is no limit. Amounts of money
 * come as decimal strings and are shown as they come.
 */
function usage(used, limit, shown) {
  if (limit === undefined) return el('dd', { text: `${shown(used)} today, no limit` });
  const fill = el('div', { class: 'fill' });
  const share = Number(limit) > 0 ? Math.min(1, Number(used) / Number(limit)) : 1;
  fill.style.width = `${share * 100}%`;
  if (share >= 1) fill.classList.add('full');
  return el('dd', {}, el('div', { class: 'bar' }, fill), el('span', { text: `${shown(used)} of ${shown(limit)} today` }));
}

function tenantCard(t) {
  const l = t.limits;
  const limits = [
    ['Lanes', el('dd', { text: l.lanes ? l.lanes.join(', ') : 'all' })],
    ['Max rate', el('dd', { text: l.maxRate === undefined ? 'no limit' : `${n(l.maxRate)} / s per campaign` })],
    ['Recipients', usage(t.today.recipients, l.recipientsPerDay, n)],
    ['Spend', usage(t.today.spend, l.spendPerDay, String)],
    ['Webhook', el('dd', { class: 'url', text: t.webhook ? t.webhook.url : 'none: its campaigns send no webhook events' })],
  ];
  return el(
    'section',
    { class: 'card tenant', 'data-tenant': t.tenant },
    el('h2', { text: `Tenant ${t.tenant}` }),
    el(
      'div',
      { class: 'tenant-grid' },
      el('dl', { class: 'pairs limits' }, ...limits.flatMap(([k, dd]) => [el('dt', { text: k }), dd])),
      keysTable(t.keys),
    ),
  );
}

function tenantsPage() {
  const box = document.getElementById('tenants');
  const msg = document.getElementById('message');
  async function load() {
    const data = await getJson(`${API}/tenants`);
    box.replaceChildren(
      ...(data.tenants.length
        ? data.tenants.map(tenantCard)
        : [el('p', { class: 'meta', text: 'No tenant yet: smsq keys create --name NAME --scope tenant --tenant TENANT.' })]),
    );
    document.getElementById('global-keys').hidden = data.keysWithoutTenant.length === 0;
    document.getElementById('global-rows').replaceChildren(...data.keysWithoutTenant.map(keyRow));
    msg.hidden = data.unreadableKeys.length === 0;
    msg.textContent = `Key records that could not be read, left out: ${data.unreadableKeys.join(', ')}.`;
    banners(await getJson(`${API}/status`));
  }
  start(() => poll(load));
}

tenantsPage();
