/**
 * Opt-out keywords: a reply is a keyword when the WHOLE reply, normalised (normalizeReplyText, in
 * config/replies.ts with the keyword settings it also normalises), is one of the configured keywords.
 */
import { normalizeReplyText } from '../config';

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
