/**
 * A campaign's canary: a random part of its list sent first, then held; the rest is released only if what the canary
 * did passes the campaign's gates. The producer stages the canary's recipients in the campaign's last batches
 * (`firstBatch` on), so that the split job can release those alone and the canary check job the others after.
 *
 * - **size**: recipients in the canary, drawn at random from the list (`--canary 1000`, or a share, `--canary 2%`).
 * - **hold**: how long after its last recipient is settled the canary is watched before the gates are judged.
 * - **gates**: the figures the canary must keep to: at most `maxFailedRate` of its called recipients `failed`, at
 *   least `minDeliveredRate` of its sent ones reported delivered by then, at most `maxOptOutRate` of its sent ones
 *   replying STOP. No gate: the canary only holds for its time.
 * - **state**: `sending` (its batches go out), `holding`, `released` (the rest was queued) or `stopped` (a gate failed:
 *   the campaign is paused by `canary`; resuming it releases the rest).
 */

/** The gates, each a share from 0 to 1. */
export interface CanaryGates {
  maxFailedRate?: number;
  minDeliveredRate?: number;
  maxOptOutRate?: number;
}

/** A campaign's canary as it was staged: stored in the campaign hash's `canary` field as JSON. */
export interface CanaryPlan {
  /** Recipients in the canary. */
  size: number;
  /** Its batches: `firstBatch` to the campaign's last. */
  firstBatch: number;
  holdMs: number;
  gates: CanaryGates;
}

export type CanaryState = 'sending' | 'holding' | 'released' | 'stopped';

/** What the canary did, as the gates judge it. */
export interface CanaryFigures {
  /** Canary recipients a call went to (sent, failed, unknown, not-sent): the failed rate's base. */
  called: number;
  sent: number;
  failed: number;
  delivered: number;
  optOuts: number;
  /** failed / called; delivered / sent; optOuts / sent. Null when their base is 0. */
  failedRate: number | null;
  deliveredRate: number | null;
  optOutRate: number | null;
}

/** A gate the figures failed: which, its limit and the figure. */
export interface FailedGate {
  gate: keyof CanaryGates;
  limit: number;
  value: number;
}

/** The largest canary: its recipients are held in the producer's memory while the list is read. */
export const MAX_CANARY = 100_000;
/** The largest share: a canary is a small first part, not half a campaign. */
export const MAX_CANARY_SHARE = 0.5;
/** The longest hold: a week; longer, and the campaign's results may expire before it sends. */
export const MAX_CANARY_HOLD_MS = 7 * 24 * 3_600_000;

const rate = (n: number, base: number): number | null => (base > 0 ? n / base : null);

export function canaryFigures(counts: Omit<CanaryFigures, 'failedRate' | 'deliveredRate' | 'optOutRate'>): CanaryFigures {
  return {
    ...counts,
    failedRate: rate(counts.failed, counts.called),
    deliveredRate: rate(counts.delivered, counts.sent),
    optOutRate: rate(counts.optOuts, counts.sent),
  };
}

/** The gates these figures fail; none when they pass. A figure without a base (nothing sent) fails no gate. */
export function failedGates(gates: CanaryGates, f: CanaryFigures): FailedGate[] {
  const out: FailedGate[] = [];
  if (gates.maxFailedRate !== undefined && f.failedRate !== null && f.failedRate > gates.maxFailedRate)
    out.push({ gate: 'maxFailedRate', limit: gates.maxFailedRate, value: f.failedRate });
  if (gates.minDeliveredRate !== undefined && (f.deliveredRate ?? 0) < gates.minDeliveredRate && f.sent > 0)
    out.push({ gate: 'minDeliveredRate', limit: gates.minDeliveredRate, value: f.deliveredRate ?? 0 });
  if (gates.maxOptOutRate !== undefined && f.optOutRate !== null && f.optOutRate > gates.maxOptOutRate)
    out.push({ gate: 'maxOptOutRate', limit: gates.maxOptOutRate, value: f.optOutRate });
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const GATE_WORDS: Record<keyof CanaryGates, (g: FailedGate) => string> = {
  maxFailedRate: (g) => `failed rate ${pct(g.value)} above the limit ${pct(g.limit)}`,
  minDeliveredRate: (g) => `delivered rate ${pct(g.value)} below the minimum ${pct(g.limit)}`,
  maxOptOutRate: (g) => `opt-out rate ${pct(g.value)} above the limit ${pct(g.limit)}`,
};

/** The pause reason a failed canary leaves: "canary of 1,000: failed rate 20.0% above the limit 5.0% (200 of 1,000 called)". */
export function canaryPauseReason(plan: CanaryPlan, f: CanaryFigures, failed: readonly FailedGate[]): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const why = failed.map((g) => GATE_WORDS[g.gate](g)).join('; ');
  return `canary of ${n(plan.size)}: ${why} (${n(f.failed)} failed of ${n(f.called)} called, ${n(f.delivered)} delivered and ${n(f.optOuts)} opt-outs of ${n(f.sent)} sent); the rest was not sent: resume to send it, or cancel`;
}

/** The stored plan read back; undefined for a field that is absent or does not parse (left out, never half read). */
export function parseCanaryPlan(raw: string | undefined): CanaryPlan | undefined {
  if (!raw) return undefined;
  try {
    const p = JSON.parse(raw) as Partial<CanaryPlan>;
    const whole = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
    if (!whole(p.size) || !whole(p.firstBatch) || !whole(p.holdMs) || typeof p.gates !== 'object' || p.gates === null) return undefined;
    const gates: CanaryGates = {};
    for (const k of ['maxFailedRate', 'minDeliveredRate', 'maxOptOutRate'] as const) {
      const v = (p.gates as Record<string, unknown>)[k];
      if (typeof v === 'number' && v >= 0 && v <= 1) gates[k] = v;
    }
    return { size: p.size!, firstBatch: p.firstBatch!, holdMs: p.holdMs!, gates };
  } catch {
    return undefined;
  }
}

export function parseCanaryFigures(raw: string | undefined): CanaryFigures | undefined {
  if (!raw) return undefined;
  try {
    const f = JSON.parse(raw) as Record<string, unknown>;
    const n = (k: string) => (typeof f[k] === 'number' && Number.isSafeInteger(f[k]) && f[k] >= 0 ? f[k] : 0);
    return canaryFigures({ called: n('called'), sent: n('sent'), failed: n('failed'), delivered: n('delivered'), optOuts: n('optOuts') });
  } catch {
    return undefined;
  }
}

export function isCanaryState(s: string | undefined): s is CanaryState {
  return s === 'sending' || s === 'holding' || s === 'released' || s === 'stopped';
}
