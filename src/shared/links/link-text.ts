/**
 * Finding the links in a text and putting short ones in their place. Every `http://` or `https://` URL is a link,
 * found in the text as it will be sent (a template rendered first, so a URL built from a recipient's fields is found
 * whole). A link ends at whitespace or at a character no URL writes unescaped (`<`, `>`, `"`, `` ` ``); punctuation
 * that closes a sentence (`.,;:!?` and quotes) is left out of its end, and so is a closing bracket that opens nowhere
 * inside it, so that "(see https://x.example/a)." keeps its bracket and full stop.
 */
import { randomInt } from 'node:crypto';

/** A link's place in a text: `text.slice(start, end)` is its URL. */
export interface LinkSpan {
  start: number;
  end: number;
}

/** Longest URL tracked: longer ones (which no SMS can carry anyway) are left as they are. */
export const MAX_URL_LENGTH = 2_000;
/** Links tracked in one text; any beyond are left as they are (a text of 10 segments holds few more). */
export const MAX_LINKS_PER_TEXT = 10;

const URL_START = /https?:\/\//gi;
const URL_END = /[\s<>"`]/;
const TRAILING = /[.,;:!?'"]$/;
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** The links of `text`, in order. */
export function findLinks(text: string): LinkSpan[] {
  const spans: LinkSpan[] = [];
  URL_START.lastIndex = 0;
  for (let m = URL_START.exec(text); m !== null && spans.length < MAX_LINKS_PER_TEXT; m = URL_START.exec(text)) {
    // A scheme glued to a word (`xhttp://`) is no link's start.
    if (m.index > 0 && /[A-Za-z0-9]/.test(text[m.index - 1])) continue;
    let end = m.index + m[0].length;
    while (end < text.length && !URL_END.test(text[end])) end++;
    end = trimEnd(text, m.index + m[0].length, end);
    URL_START.lastIndex = end;
    // A scheme with no host is no link.
    if (end === m.index + m[0].length || end - m.index > MAX_URL_LENGTH) continue;
    spans.push({ start: m.index, end });
  }
  return spans;
}

/** Drops sentence punctuation and unopened closing brackets from a link's end, never its scheme and host's start. */
function trimEnd(text: string, min: number, end: number): number {
  for (;;) {
    if (end <= min) return end;
    const last = text[end - 1];
    if (TRAILING.test(last)) {
      end--;
      continue;
    }
    const opener = CLOSERS[last];
    if (opener !== undefined) {
      const inside = text.slice(min, end - 1);
      if (count(inside, opener) <= count(inside, last)) {
        end--;
        continue;
      }
    }
    return end;
  }
}

function count(s: string, c: string): number {
  let n = 0;
  for (const ch of s) if (ch === c) n++;
  return n;
}

/** `text` with the link at `spans[k]` replaced by `links[k]`. */
export function replaceLinks(text: string, spans: readonly LinkSpan[], links: readonly string[]): string {
  let out = '';
  let at = 0;
  for (let k = 0; k < spans.length; k++) {
    out += text.slice(at, spans[k].start) + links[k];
    at = spans[k].end;
  }
  return out + text.slice(at);
}

/**
 * A code's length and alphabet. 62^9 ≈ 1.4 × 10^16 codes: with ten million links alive at once, a guessed code
 * finds one with a chance of 1 in 1.4 billion, so a million guesses a day (far more than a server takes unnoticed)
 * would find one about every four years; collisions are checked when a code is stored, and a taken code is drawn
 * again. Letters and digits only: every one is a GSM-7 character of one septet, so a code never changes a text's
 * encoding or its length in septets, and a preview can count it exactly before any code exists.
 */
export const CODE_LENGTH = 9;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const CODE_PATTERN = /^[0-9A-Za-z]{9}$/;

/** A fresh random code: CODE_LENGTH characters drawn uniformly from the alphabet by the platform's CSPRNG. */
export function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** What a preview puts where each code will be: the same length, all one-septet characters, plainly not a code. */
export const PREVIEW_CODE = 'x'.repeat(CODE_LENGTH);

/** The short link of `code` under `baseUrl` (LINK_BASE_URL, without its trailing `/`). */
export function shortLink(baseUrl: string, code: string): string {
  return `${baseUrl}/${code}`;
}

/** `text` as a preview counts it: each link replaced by a short link of the length a real one will have. */
export function withPreviewLinks(text: string, baseUrl: string): string {
  const spans = findLinks(text);
  if (spans.length === 0) return text;
  const link = shortLink(baseUrl, PREVIEW_CODE);
  return replaceLinks(
    text,
    spans,
    spans.map(() => link),
  );
}
