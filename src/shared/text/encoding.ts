/**
 * How the network carries a text, and what it costs: GSM-7 when every character is in the GSM 03.38 alphabet
 * (160 septets in one segment, 153 per segment when split; the extension characters `^{}\[~]|€` and form feed
 * take two septets), otherwise UCS-2 (70 UTF-16 units in one segment, 67 per segment; an emoji takes two units).
 * The one home of this rule: the producer counts with it and the simulator charges with it, so a preview's
 * segments are what the gateway bills. (Real splitting also avoids cutting an escape pair or a surrogate pair
 * across segments, which can add a segment to a text right at a boundary; neither side models that.)
 */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';

/**
 * Septets per UTF-16 unit: 1 basic, 2 extension, 0 not GSM-7. A table rather than a Set, because every text of
 * a personalised campaign is measured (the producer counts a million texts; the simulator charges each).
 */
const SEPTETS = new Uint8Array(0x10000);
for (const ch of GSM_BASIC) SEPTETS[ch.charCodeAt(0)] = 1;
for (const ch of GSM_EXTENSION) SEPTETS[ch.charCodeAt(0)] = 2;

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface TextMeasure {
  encoding: SmsEncoding;
  segments: number;
  /** For UCS-2 texts: the characters that are not GSM-7, each once, in order of appearance. */
  nonGsm: string[];
  /** For UCS-2 texts: the segments the text would take if those characters were GSM-7 ones. */
  segmentsIfGsm: number;
}

export function measureText(text: string): TextMeasure {
  let septets = 0;
  let nonGsm: string[] | null = null;
  for (let i = 0; i < text.length; i++) {
    const n = SEPTETS[text.charCodeAt(i)];
    if (n !== 0) {
      septets += n;
      continue;
    }
    // A character outside GSM-7 (a surrogate pair is one character, counted once).
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (ch.length === 2) i++;
    septets += 1;
    if (nonGsm === null) nonGsm = [ch];
    else if (!nonGsm.includes(ch)) nonGsm.push(ch);
  }
  const gsm = parts(septets, 160, 153);
  if (nonGsm === null) return { encoding: 'GSM-7', segments: gsm, nonGsm: [], segmentsIfGsm: gsm };
  return { encoding: 'UCS-2', segments: parts(text.length, 70, 67), nonGsm, segmentsIfGsm: gsm };
}

/** measureText(text).segments, without collecting the characters: the simulator charges every text of a call. */
export function segmentCount(text: string): number {
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const n = SEPTETS[text.charCodeAt(i)];
    if (n === 0) return parts(text.length, 70, 67);
    septets += n;
  }
  return parts(septets, 160, 153);
}

function parts(length: number, single: number, perPart: number): number {
  return length <= single ? 1 : Math.ceil(length / perPart);
}

/**
 * Look-alikes word processors and phones put in texts, and the GSM-7 characters that mean the same: one curly
 * apostrophe otherwise turns a whole text into UCS-2 (70 characters a segment instead of 160). Invisible
 * characters (zero-width spaces, soft hyphens, byte order marks) are dropped.
 */
const LOOK_ALIKES: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u02BC': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u2033': '"',
  '\u00AB': '"',
  '\u00BB': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u00A0': ' ',
  '\u2000': ' ',
  '\u2001': ' ',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2004': ' ',
  '\u2005': ' ',
  '\u2006': ' ',
  '\u2007': ' ',
  '\u2008': ' ',
  '\u2009': ' ',
  '\u200A': ' ',
  '\u202F': ' ',
  '\u205F': ' ',
  '\u3000': ' ',
  '\t': ' ',
  '\u200B': '',
  '\u200C': '',
  '\u200D': '',
  '\u2060': '',
  '\uFEFF': '',
  '\u00AD': '',
};
// The class lists single code points on purpose, the zero-width joiner among them: each is replaced on its own.
// eslint-disable-next-line no-misleading-character-class
const LOOK_ALIKE = new RegExp(`[${Object.keys(LOOK_ALIKES).join('')}]`, 'gu');

/** The text with look-alike characters replaced by their GSM-7 equivalents (SMS_SMART_ENCODING). */
export function smartEncode(text: string): string {
  LOOK_ALIKE.lastIndex = 0;
  return LOOK_ALIKE.test(text) ? text.replace(LOOK_ALIKE, (c) => LOOK_ALIKES[c]) : text;
}
