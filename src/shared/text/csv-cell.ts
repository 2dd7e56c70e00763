/**
 * The cells of every CSV smsq writes (results, the suppression list, replies), in one place. Quoted as RFC 4180
 * says when a cell holds a quote, comma or line break. A cell a spreadsheet would run as a formula — one that starts
 * with `=`, `+`, `-`, `@`, a tab or a CR (OWASP, "CSV Injection") — gets a leading `'`, which spreadsheets show as
 * text: orderIds, field values, a gateway's reasons and above all replies (anyone who can text the number writes
 * them) are free text. The cost is one character code read for a cell that needs no quoting.
 */

/** A free-text cell, neutralised and quoted as needed. */
export function csvCell(v: string): string {
  if (v === '') return v;
  const text = startsFormula(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A phone number's cell. A number smsq validated (digits, or E.164 with its `+`) is data a user needs to keep
 * machine-readable, and cannot be a formula: it stays as it is. Anything else (a reply's sender as the gateway
 * reported it) is free text.
 */
export function csvNumberCell(v: string): string {
  return /^\+?[0-9]{1,20}$/.test(v) ? v : csvCell(v);
}

function startsFormula(v: string): boolean {
  const c = v.charCodeAt(0);
  // = + - @ tab CR
  return c === 0x3d || c === 0x2b || c === 0x2d || c === 0x40 || c === 0x09 || c === 0x0d;
}
