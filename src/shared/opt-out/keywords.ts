/**
 * Opt-out keywords. The rule, in one place (the README quotes it): a reply is a keyword when the WHOLE reply is
 * that keyword once it is
 *   1. NFKC-normalised (full-width ＳＴＯＰ is STOP),
 *   2. stripped at both ends of white space, punctuation, symbols (emoji included) and invisible characters,
 *   3. collapsed inside to single spaces, and
 *   4. upper-cased.
 * So " Stop! ", "stop.", "«STOP»" and "退订" match, while "don't stop", "STOP STOP" and "Stop sending me this"
 * do not: a sentence that merely contains the word is a reply to read, not an instruction. Keywords from the
 * configuration go through the same steps, so `stop all` configured matches "Stop  all!".
 */

/** Characters trimmed from both ends: white space, punctuation, symbols, controls and format characters. */
const EDGES = /^[\s\p{P}\p{S}\p{C}]+|[\s\p{P}\p{S}\p{C}]+$/gu;

export function normalizeReplyText(text: string): string {
  return text.normalize('NFKC').replace(EDGES, '').replace(/\s+/gu, ' ').toUpperCase();
}

/** What a reply asks for: to stop (opt out), to start again (opt back in), or nothing. */
export type ReplyKeyword = 'stop' | 'start';

export interface KeywordLists {
  stopKeywords: ReadonlyArray<string>;
  startKeywords: ReadonlyArray<string>;
}

/** A matcher over the configured lists (already normalised by the configuration). */
export function keywordMatcher(lists: KeywordLists): (content: string) => ReplyKeyword | null {
  const stop = new Set(lists.stopKeywords.map(normalizeReplyText));
  const start = new Set(lists.startKeywords.map(normalizeReplyText));
  return (content) => {
    const text = normalizeReplyText(content);
    if (text === '') return null;
    return stop.has(text) ? 'stop' : start.has(text) ? 'start' : null;
  };
}
