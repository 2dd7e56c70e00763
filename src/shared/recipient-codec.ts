import type { Recipient } from './types';

/**
 * A batch's recipients are stored as one string, `number,orderId` lines joined by `\n`: about 30 bytes a
 * recipient. Validation guarantees orderIds hold neither commas nor control characters. A personalised campaign's
 * recipient adds its field values in the order of the template's fields, each after a tab
 * (`number,orderId\tAna\t4411`), with `\`, tab, CR and LF escaped: the template is stored once in the campaign,
 * and only the values that differ per recipient here — never a rendered text.
 */
export function encodeRecipients(recipients: ReadonlyArray<Recipient>): string {
  return recipients.map(encodeOne).join('\n');
}

function encodeOne(r: Recipient): string {
  const head = `${r.number},${r.orderId}`;
  if (r.values === undefined) return head;
  let out = head;
  for (const v of r.values) out += `\t${/[\\\t\r\n]/.test(v) ? v.replace(/[\\\t\r\n]/g, escapeChar) : v}`;
  return out;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\r': '\\r', '\n': '\\n' };
const UNESCAPES: Record<string, string> = { '\\\\': '\\', '\\t': '\t', '\\r': '\r', '\\n': '\n' };
const escapeChar = (c: string) => ESCAPES[c];

export function decodeRecipients(encoded: string): Recipient[] {
  if (encoded === '') return [];
  return encoded.split('\n').map((line) => {
    const comma = line.indexOf(',');
    const tab = line.indexOf('\t', comma);
    if (tab === -1) return { number: line.slice(0, comma), orderId: line.slice(comma + 1) };
    const values = line.slice(tab + 1).split('\t').map((v) => (v.includes('\\') ? v.replace(/\\[\\trn]/g, (e) => UNESCAPES[e]) : v));
    return { number: line.slice(0, comma), orderId: line.slice(comma + 1, tab), values };
  });
}
