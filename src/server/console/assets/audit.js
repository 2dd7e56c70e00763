/*
 * The campaign page's audit trail (campaign.html): who changed the campaign, when, and what. On console.js's helpers
 * (el, getJson, API), which are defined by the time this is called. The trail is one stream for every campaign, so it
 * is read when the page opens, after an action, when the campaign shows a change, and every AUDIT_MS besides — not on
 * every poll.
 */
/* global API, el, getJson */
/* exported campaignAuditSection */
'use strict';

const AUDIT_MS = 30_000;

/** A value in a few words: long ones are cut (the cell's title has the whole entry). */
function shortValue(v) {
  if (v === undefined || v === null) return 'none';
  const t = typeof v === 'string' ? v : JSON.stringify(v);
  return t.length > 120 ? `${t.slice(0, 119)}…` : t;
}

/** One change as `field: value`, or `field: before → after` where the entry has both. */
function changeText([field, v]) {
  const both = v && typeof v === 'object' && !Array.isArray(v) && 'before' in v && 'after' in v;
  return `${field}: ${both ? `${shortValue(v.before)} → ${shortValue(v.after)}` : shortValue(v)}`;
}

function auditRow(e) {
  const changes = Object.entries(e.changes || {}).map(changeText);
  return el(
    'tr',
    { 'data-audit': e.id },
    el('td', { text: new Date(e.at).toLocaleString(), title: e.at }),
    el('td', { text: e.keyName, title: `key ${e.keyId}` }),
    el('td', { text: e.action }),
    el('td', { class: 'changes', text: changes.length ? changes.join(' · ') : '–', title: e.changes ? JSON.stringify(e.changes) : '' }),
  );
}

/**
 * The audit section of campaign `id`. `refresh(signature)` reads the trail again when the signature (what the page
 * shows of the campaign's state: an action changes it) changed, or when AUDIT_MS have passed; a failed read is shown
 * in the section and does not stop the page's poll.
 */
function campaignAuditSection(id) {
  const body = document.getElementById('audit');
  let shown;
  let readAt = 0;
  const row = (text, cls) => el('tr', {}, el('td', { colspan: '4', class: cls, text }));
  async function read() {
    try {
      const { entries } = await getJson(`${API}/campaigns/${encodeURIComponent(id)}/audit`);
      body.replaceChildren(...(entries.length ? entries.map(auditRow) : [row('No change recorded.', 'empty')]));
    } catch (err) {
      body.replaceChildren(row(`The audit trail could not be read: ${err.message}`, 'empty error'));
    }
  }
  return {
    async refresh(signature) {
      if (signature === shown && Date.now() - readAt < AUDIT_MS) return;
      shown = signature;
      readAt = Date.now();
      await read();
    },
  };
}
