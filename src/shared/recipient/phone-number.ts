/**
 * Phone numbers as the gateway takes them: one rule for recipients (the producer) and for the numbers replies
 * come from (the reply store), so that a STOP from `+44 7700 900123` suppresses the recipient `447700900123`.
 */

/** Spaces (any Unicode white space), dashes (any Unicode dash, and the minus sign) and parentheses. */
const FORMATTING = /[\s\p{Pd}\u2212()]/gu;

export type NormalizedNumber = { ok: true; number: string } | { ok: false; reason: string };

/**
 * Turns a number as people write it (`+49 (170) 123-4567`, `0049 170 1234567`) into the digits the gateway takes:
 * spaces, dashes and parentheses are dropped, then one leading `+` or `00` (the international prefix), and 6 to 15
 * ASCII digits must remain. Nothing else is guessed: a trunk `(0)` stays, as a `0` digit.
 */
export function normalizeNumber(raw: string): NormalizedNumber {
  // Most numbers in a file are written as the gateway takes them: 6 to 15 ASCII digits, no `00` prefix to strip.
  if (raw.length >= 6 && raw.length <= 15 && !raw.startsWith('00') && allDigits(raw)) return { ok: true, number: raw };
  const stripped = raw.replace(FORMATTING, '');
  if (stripped === '') return { ok: false, reason: 'number is empty' };
  const digits = stripped.startsWith('+') ? stripped.slice(1) : stripped.startsWith('00') ? stripped.slice(2) : stripped;
  const other = /[^0-9]/u.exec(digits);
  if (other !== null) {
    const reason =
      other[0] === '+' ? "number has a '+' that is not at the start" : `number has characters other than digits: ${describeChar(other[0])}`;
    return { ok: false, reason };
  }
  if (digits === '') return { ok: false, reason: 'number has no digits' };
  if (digits.length < 6 || digits.length > 15) {
    return { ok: false, reason: `number has ${digits.length} digits; it needs 6 to 15` };
  }
  return { ok: true, number: digits };
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `'x'`, `'１' (U+FF11)` for look-alikes, or only `U+200B` for what cannot be seen (or is a lone surrogate). */
function describeChar(ch: string): string {
  const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  if (/^[\x21-\x7e]$/.test(ch)) return `'${ch}'`;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch) ? `'${ch}' (${code})` : code;
}
