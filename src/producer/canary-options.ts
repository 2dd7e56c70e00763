/** A campaign's canary options checked at the edge: the count or share, the hold and the gates. */
import { MAX_CANARY, MAX_CANARY_HOLD_MS, MAX_CANARY_SHARE, type CanaryGates } from '../shared/campaign/canary';
import { parseDuration } from '../shared/config';
import type { Config } from '../shared/config';
import type { CanarySize } from './canary-sample';

/** What a campaign may ask of a canary (EnqueueOptions' fields). */
export interface CanaryOptions {
  /**
   * Send this many recipients first (`1000`), or this share of the list (`'2%'`), drawn at random from it; the rest
   * waits `canaryHold`, then goes only if the gates hold. Default: no canary.
   */
  canary?: number | string;
  /** How long the canary is watched once its last recipient is settled: ms, or `'10m'`, `'1h'` (at most 7 days). Default 10 minutes. */
  canaryHold?: number | string;
  /** Gate: at most this share (0 to 1) of the canary's called recipients failed. */
  maxFailedRate?: number;
  /** Gate: at least this share of the canary's sent messages reported delivered by the end of the hold. */
  minDeliveredRate?: number;
  /** Gate: at most this share of the canary's sent recipients replied STOP (needs SMS_CONTACT_HISTORY, which attributes replies). */
  maxOptOutRate?: number;
}

/** The canary as checked: what staging draws and the campaign stores. */
export interface CheckedCanary {
  size: CanarySize;
  holdMs: number;
  gates: CanaryGates;
}

export const DEFAULT_CANARY_HOLD_MS = 10 * 60_000;
const GATES = ['maxFailedRate', 'minDeliveredRate', 'maxOptOutRate'] as const;

/** The canary, or the problems of its fields (field → reason); none asked: `{}`. */
export function checkCanaryOptions(
  opts: CanaryOptions,
  config: Pick<Config, 'optOut'>,
): { canary?: CheckedCanary; problems: Array<[string, string]> } {
  const problems: Array<[string, string]> = [];
  const size = opts.canary === undefined ? undefined : canarySize(opts.canary);
  if (typeof size === 'string') problems.push(['canary', size]);
  const holdMs = opts.canaryHold === undefined ? DEFAULT_CANARY_HOLD_MS : holdOf(opts.canaryHold);
  if (typeof holdMs === 'string') problems.push(['canaryHold', holdMs]);
  const gates: CanaryGates = {};
  for (const gate of GATES) {
    const v = opts[gate];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1)
      problems.push([gate, `must be a share from 0 to 1 (0.05 for 5%); it is ${JSON.stringify(v)}`]);
    else gates[gate] = v;
  }
  if (size === undefined) {
    for (const [field] of [...Object.entries(gates), ...(opts.canaryHold === undefined ? [] : [['canaryHold']])])
      problems.push([field, 'needs a canary (canary: a count or a share of the list) to judge']);
    return { problems };
  }
  if (gates.maxOptOutRate !== undefined && !config.optOut.contactHistory)
    problems.push([
      'maxOptOutRate',
      'needs SMS_CONTACT_HISTORY=true: replies are attributed to the campaign that last sent to their number',
    ]);
  if (typeof size === 'string' || typeof holdMs === 'string') return { problems };
  return { canary: { size, holdMs, gates }, problems };
}

function canarySize(raw: number | string): CanarySize | string {
  const bad = `must be a count of recipients from 1 to ${MAX_CANARY.toLocaleString('en-US')}, or a share such as "2%" (at most ${MAX_CANARY_SHARE * 100}%)`;
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 1 && raw <= MAX_CANARY ? { count: raw } : bad;
  if (typeof raw !== 'string') return bad;
  const share = /^\s*(\d{1,2}(?:\.\d{1,3})?)\s*%\s*$/.exec(raw);
  if (share) {
    const p = Number(share[1]) / 100;
    return p > 0 && p <= MAX_CANARY_SHARE ? { share: p } : bad;
  }
  return /^\s*\d{1,7}\s*$/.test(raw) ? canarySize(Number(raw)) : bad;
}

function holdOf(raw: number | string): number | string {
  const ms = typeof raw === 'number' ? raw : parseDuration(raw);
  const bad = `must be a duration from 0 to 7d ("10m", "1h", or ms); it is ${JSON.stringify(raw)}`;
  return ms !== null && Number.isFinite(ms) && ms >= 0 && ms <= MAX_CANARY_HOLD_MS ? Math.round(ms) : bad;
}
