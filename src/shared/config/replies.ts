import { HOUR_MS, type EnvReader } from './env';

/**
 * Opt-out keywords. The rule, in one place (docs/replies.md quotes it; opt-out/keywords.ts matches replies with it):
 * a reply is a keyword when the WHOLE reply is that keyword once it is
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

/** Opt-out keywords by default: the carriers' and regulators' usual ones, and 退订 / TD for Chinese recipients. */
export const DEFAULT_STOP_KEYWORDS = Object.freeze(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'TD', '退订']);
export const DEFAULT_START_KEYWORDS = Object.freeze(['START', 'UNSTOP']);

/** Replies (recordMo): the poller, the push receiver, storage and opt-out keywords. */
export interface RepliesConfig {
  /** `REPLY_TOKEN`: the secret path segment of POST /v1/replies/:token; without it the receiver refuses every push. @defaultValue undefined */
  token?: string;
  /** `REPLY_ALLOWED_IPS`: addresses or CIDR ranges allowed to push replies; empty: any. @defaultValue `[]` */
  allowedIps: string[];
  /** `REPLY_POLL_INTERVAL_MS`: how often the recordMo poller runs; 0 turns it off. @defaultValue 60000 */
  pollIntervalMs: number;
  /** `REPLY_POLL_LOOKBACK_MS`: how far back the poller's first run looks (at most 28 days). @defaultValue 86400000 (24 h) */
  pollLookbackMs: number;
  /** `REPLY_POLL_OVERLAP_MS`: each run reads again this much before where the last one ended, for replies the gateway recorded late. @defaultValue 300000 (5 min) */
  pollOverlapMs: number;
  /** `REPLY_POLL_RATE_PER_SECOND`: recordMo calls per second. @defaultValue 1 */
  pollRatePerSecond: number;
  /** `REPLY_POLL_MAX_CALLS`: recordMo calls (pages of 100) one run makes at most per gateway account; the next run goes on where it stopped. @defaultValue 100 */
  pollMaxCalls: number;
  /** `REPLIES_MAX_KEPT`: replies kept in the stream, approximately; older ones are trimmed. @defaultValue 1000000 */
  maxKept: number;
  /** How long a reply is remembered to drop a second copy of it (not a variable of its own). @defaultValue REPLY_POLL_LOOKBACK_MS and a day */
  dedupSeconds: number;
  /** `REPLY_STOP_KEYWORDS`: whole-reply keywords that add the number to the suppression list, normalised. @defaultValue DEFAULT_STOP_KEYWORDS */
  stopKeywords: ReadonlyArray<string>;
  /** `REPLY_START_KEYWORDS`: whole-reply keywords that take a `stop-reply` entry off the list, normalised. @defaultValue DEFAULT_START_KEYWORDS */
  startKeywords: ReadonlyArray<string>;
}

export function readRepliesConfig(r: EnvReader): RepliesConfig {
  const stopKeywords = keywords(r, 'REPLY_STOP_KEYWORDS', DEFAULT_STOP_KEYWORDS);
  const startKeywords = keywords(r, 'REPLY_START_KEYWORDS', DEFAULT_START_KEYWORDS);
  const both = stopKeywords.filter((k) => startKeywords.includes(k));
  if (both.length > 0) r.problems.push(`REPLY_STOP_KEYWORDS and REPLY_START_KEYWORDS both list ${both.join(', ')}`);
  const pollLookbackMs = r.int('REPLY_POLL_LOOKBACK_MS', 24 * HOUR_MS, 0, 28 * 24 * HOUR_MS);
  return {
    token: r.pathToken('REPLY_TOKEN'),
    allowedIps: r.ipList('REPLY_ALLOWED_IPS'),
    pollIntervalMs: r.int('REPLY_POLL_INTERVAL_MS', 60_000, 0, 24 * HOUR_MS),
    pollLookbackMs,
    pollOverlapMs: r.int('REPLY_POLL_OVERLAP_MS', 5 * 60_000, 0, 24 * HOUR_MS),
    pollRatePerSecond: r.int('REPLY_POLL_RATE_PER_SECOND', 1, 1, 1_000),
    pollMaxCalls: r.int('REPLY_POLL_MAX_CALLS', 100, 1, 100_000),
    maxKept: r.int('REPLIES_MAX_KEPT', 1_000_000, 1_000, 100_000_000),
    dedupSeconds: Math.ceil(pollLookbackMs / 1000) + 86_400,
    stopKeywords,
    startKeywords,
  };
}

/** A comma-separated keyword list, normalised as replies are; `fallback` when unset. */
function keywords(r: EnvReader, name: string, fallback: ReadonlyArray<string>): string[] {
  const raw = r.str(name);
  const list = (raw ? raw.split(',') : fallback).map(normalizeReplyText).filter(Boolean);
  if (raw && list.length === 0) r.problems.push(`${name} lists no keyword: give comma-separated words such as STOP,QUIT`);
  return [...new Set(list)];
}
