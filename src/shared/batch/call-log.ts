/**
 * The batch's call log (`<batch key>:calls`, a list): one compact entry per call that ended, written by END_CALL in
 * the same step as the call's outcomes, so that a recipient's trace can name every call it went in and what the
 * gateway answered. Outcomes say only how a recipient ended; the log says how it got there (a -18 retried, a -9
 * split). It holds the newest CALL_LOG_MAX entries and expires with the batch (includes/count-batch.lua).
 *
 * An entry is `<at ms>\t<account>\t<indices>\t<verdict>\t<code>\t<reason>`; indices are runs, `0-499,501-999`.
 */
import type { Verdict } from '../gateway/outcome-table';

/** Entries a batch keeps: a batch is one call, a few with -18 retries; a -9 split of 1,000 may make dozens. */
export const CALL_LOG_MAX = 64;

/** A reason is the gateway's text: bounded so a verbose gateway cannot grow the log. */
const REASON_MAX = 120;

/**
 * What the call loop made of the gateway's answer: the outcome table's verdict, or `lost` for a call found in
 * flight by a later run (its answer never recorded: its recipients are `unknown`, IN_FLIGHT_LOST).
 */
export type CallVerdict = Verdict['kind'] | 'lost';

/** Every verdict a call log entry may hold: the outcome table's, and `lost`. */
export const CALL_VERDICTS: readonly CallVerdict[] = [
  'accepted',
  'transient',
  'clock-skew',
  'account-stop',
  'content-refused',
  'number-refused',
  'unknown',
  'permanent',
  'lost',
];
const VERDICTS: ReadonlySet<string> = new Set<string>(CALL_VERDICTS);

/** One call as its log keeps it. */
export interface LoggedCall {
  /** When the call was sent (ms). */
  at: number;
  account: string;
  /** The recipients' indices in the batch, as runs [first, last]. */
  runs: Array<[number, number]>;
  verdict: CallVerdict;
  /** The gateway's status (`0` when accepted), or smsq's code for an answer it could not read. */
  code: string;
  reason: string;
}

/** The log entry for a call of `indices` sent at `at` through `account`, as `verdict` judged its answer. */
export function callEntry(
  at: number,
  account: string,
  indices: readonly number[],
  verdict: Verdict | { kind: 'lost'; code: string; reason: string },
): string {
  const code = verdict.kind === 'accepted' ? '0' : verdict.code;
  const reason = verdict.kind === 'accepted' ? `${verdict.accepted.length} accepted` : verdict.reason;
  return [at, account, encodeRuns(indices), verdict.kind, clean(code), clean(reason).slice(0, REASON_MAX)].join('\t');
}

/** An entry read back; null for one that does not read (written by hand, or by a later format). */
export function parseCallEntry(raw: string): LoggedCall | null {
  const f = raw.split('\t');
  if (f.length !== 6 || !VERDICTS.has(f[3])) return null;
  const at = Number(f[0]);
  const runs = decodeRuns(f[2]);
  if (!Number.isSafeInteger(at) || runs === null) return null;
  return { at, account: f[1], runs, verdict: f[3] as CallVerdict, code: f[4], reason: f[5] };
}

/** Whether a logged call included the recipient `index`. */
export function callIncludes(call: LoggedCall, index: number): boolean {
  return call.runs.some(([a, b]) => index >= a && index <= b);
}

/** Indices as runs of consecutive ones: a whole batch is `0-999`. */
function encodeRuns(indices: readonly number[]): string {
  const out: string[] = [];
  for (let j = 0; j < indices.length;) {
    let k = j;
    while (k + 1 < indices.length && indices[k + 1] === indices[k] + 1) k++;
    out.push(k === j ? String(indices[j]) : `${indices[j]}-${indices[k]}`);
    j = k + 1;
  }
  return out.join(',');
}

function decodeRuns(s: string): Array<[number, number]> | null {
  if (s === '') return [];
  const runs: Array<[number, number]> = [];
  for (const part of s.split(',')) {
    const m = /^(\d{1,6})(?:-(\d{1,6}))?$/.exec(part);
    if (!m) return null;
    runs.push([Number(m[1]), Number(m[2] ?? m[1])]);
  }
  return runs;
}

/** Tabs and line breaks would cut an entry's fields. */
function clean(s: string): string {
  return s.replace(/[\t\r\n]/g, ' ');
}
