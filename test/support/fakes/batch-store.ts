/**
 * BatchStore in memory: the methods the worker's units call, each doing what its Lua script does
 * (src/shared/batch/scripts.ts), step for step, on the fake world. Typed by Pick<BatchStore>, so that a change of
 * the real signatures breaks this file at compile time.
 */
import type {
  BatchRecord,
  BatchStore,
  BeginResult,
  CallEnd,
  EndResult,
  Finished,
  FinishOptions,
  RecordResult,
  SendChecks,
} from '../../../src/shared/batch/store';
import { DEFAULT_ACCOUNT } from '../../../src/shared/config';
import { OUTCOMES } from '../../../src/shared/batch/outcomes';
import type { FinishResult } from '../../../src/shared/batch/scripts';
import { parseReserved } from '../../../src/shared/webhooks/events';
import type { StoredOutcome } from '../../../src/shared/types';
import type { FakeWorld } from './world';

type Used = 'load' | 'beginCall' | 'endCall' | 'settle' | 'finish' | 'uncountSends' | 'reconcile' | 'reopen';

const ACTIVE = new Set(['queued', 'running', 'paused']);

export class FakeBatchStore implements Pick<BatchStore, Used> {
  /** A refusal the next beginCall returns instead of starting its call ('not-durable': REDIS_DURABILITY's WAIT timed out). */
  refuseNextBegin: 'not-durable' | null = null;
  /** Numbers whose frequency-cap count was given back (uncountSends), in order. */
  readonly uncounted: string[] = [];

  constructor(private readonly world: FakeWorld) {}

  async load(campaignId: string, batch: number): Promise<BatchRecord | null> {
    const b = this.world.batch(campaignId, batch);
    if (!b) return null;
    return {
      recipients: b.recipients,
      outcomes: new Map(b.outcomes),
      inFlight: b.inFlight && { ...b.inFlight, i: [...b.inFlight.i] },
      done: b.done,
      version: b.version,
    };
  }

  async beginCall(
    campaignId: string,
    batch: number,
    token: string,
    call: { indices: number[]; numbers: string[]; at: number; clockNow: number; account?: string },
    version: number,
    checks: SendChecks,
  ): Promise<BeginResult> {
    const rec = this.world.campaign(campaignId);
    const b = this.world.batch(campaignId, batch);
    if (!rec || !b) return { ok: false, reason: 'gone' };
    if (rec.state === 'cancelled' || rec.state === 'failed') return { ok: false, reason: rec.state };
    if (b.done) return { ok: false, reason: 'done' };
    if (b.inFlight) return { ok: false, reason: 'busy' };
    if (b.version !== version) return { ok: false, reason: 'stale' };
    if (rec.expireAt !== undefined && rec.expireAt <= call.clockNow) return { ok: false, reason: 'expired' };
    const keep: number[] = [];
    let settled = 0;
    call.indices.forEach((i, j) => {
      const reason = checks.suppression ? this.world.suppressed.get(call.numbers[j]) : undefined;
      if (reason === undefined) keep.push(i);
      else if (!b.outcomes.has(i)) {
        b.outcomes.set(i, ['x', reason]);
        settled++;
      }
    });
    if (settled > 0) b.version++;
    if (keep.length > 0) {
      b.inFlight = { t: token, i: keep, at: call.at, account: call.account ?? DEFAULT_ACCOUNT };
      if (rec.state === 'queued') rec.state = 'running';
    }
    if (keep.length > 0 && this.refuseNextBegin) {
      // As BatchStore does when WAIT times out: the record is taken back, nothing was sent.
      this.refuseNextBegin = null;
      b.inFlight = null;
      return { ok: false, reason: 'not-durable' };
    }
    return { ok: true, version: b.version, settled, calling: keep.length };
  }

  async uncountSends(numbers: string[]): Promise<void> {
    this.uncounted.push(...numbers);
  }

  /** END_CALL: the outcomes recorded as RECORD_OUTCOMES does, then the call's sends indexed, then the batch counted in if asked. */
  async endCall(
    campaignId: string,
    batch: number,
    token: string,
    outcomes: ReadonlyMap<number, StoredOutcome>,
    end: CallEnd = {},
  ): Promise<EndResult> {
    const r = this.record(campaignId, batch, token, outcomes);
    if (!r.ok) return r;
    if (end.index) this.world.index(this.world.indexWrites.get(end.index) ?? []);
    const finished = end.finish ? await this.finish(campaignId, batch, end.finish.recipients, end.finish) : undefined;
    return { ...r, reportsHeld: false, ...(finished ? { finished } : {}) };
  }

  async settle(campaignId: string, batch: number, outcomes: ReadonlyMap<number, StoredOutcome>): Promise<RecordResult> {
    return this.record(campaignId, batch, '', outcomes);
  }

  /** RECORD_OUTCOMES: first writer wins; with a token it ends that call, without one it refuses while any is in flight. */
  private record(campaignId: string, batch: number, token: string, outcomes: ReadonlyMap<number, StoredOutcome>): RecordResult {
    const b = this.world.batch(campaignId, batch);
    const ft = b?.inFlight?.t;
    if (token !== '' && ft !== token) return { ok: false, reason: 'lost' };
    if (token === '' && ft !== undefined) return { ok: false, reason: 'busy' };
    if (!b) return { ok: true, version: 0, skipped: 0 };
    let skipped = 0;
    for (const [i, o] of outcomes) {
      if (b.outcomes.has(i)) skipped++;
      else b.outcomes.set(i, o);
    }
    if (outcomes.size > 0) b.version++;
    if (token !== '') b.inFlight = null;
    return { ok: true, version: b.version, skipped };
  }

  /** FINISH_BATCH (and END_CALL's count): counts a settled batch into its campaign once, and completes the campaign with its last batch. */
  async finish(campaignId: string, batch: number, size: number, opts: FinishOptions = {}): Promise<Finished> {
    const b = this.world.batch(campaignId, batch);
    const rec = this.world.campaign(campaignId);
    const answer = (result: FinishResult) => (b?.reserved ? { result, events: parseReserved(b.reserved) } : { result });
    if (!b || !rec) return { result: 'incomplete' };
    if (b.done) return answer('already');
    if (b.outcomes.size < size) return { result: 'incomplete' };
    const now = Date.now();
    b.done = true;
    if (opts.webhooks) b.reserved = `${this.nextSeq(campaignId)},${now}`;
    for (const o of b.outcomes.values()) {
      rec.counts[OUTCOMES[o[0]].counter]++;
      if (o[0] === 'f' || o[0] === 'u') bump(rec.outcomeCodes[o[0] === 'f' ? 'failed' : 'unknown'], o[1], 1);
    }
    rec.batchesDone++;
    const settled = Object.values(rec.counts).reduce((n, c) => n + c, 0);
    if (settled < rec.total) return answer('counted');
    if (rec.counts.unknown > 0 && opts.autoSettle && ACTIVE.has(rec.state)) return answer('settling');
    if (ACTIVE.has(rec.state)) {
      rec.state = 'completed';
      if (opts.webhooks) {
        const { sent, failed, unknown, cancelled, notSent } = rec.counts;
        b.reserved += `,${this.nextSeq(campaignId)},${sent},${failed},${unknown},${cancelled},${notSent}`;
      }
    }
    rec.finishedAt = now;
    return answer('completed');
  }

  /** RECONCILE_OUTCOMES: only `unknown` outcomes change; a counted batch moves its campaign's counters with them. */
  async reconcile(campaignId: string, batch: number, outcomes: ReadonlyMap<number, StoredOutcome>): Promise<number> {
    const b = this.world.batch(campaignId, batch);
    const rec = this.world.campaign(campaignId);
    if (!b) return 0;
    let changed = 0;
    for (const [i, o] of outcomes) {
      const old = b.outcomes.get(i);
      if (!old || old[0] !== 'u' || o[0] === 'u') continue;
      b.outcomes.set(i, o);
      changed++;
      if (b.done && rec) {
        rec.counts.unknown--;
        bump(rec.outcomeCodes.unknown, old[1], -1);
        rec.counts[OUTCOMES[o[0]].counter]++;
      }
    }
    if (changed > 0) {
      b.version++;
      delete b.reserved;
    }
    return changed;
  }

  /** REOPEN_BATCH: a counted batch's `not-sent` recipients pending again, the batch un-counted. */
  async reopen(campaignId: string, batch: number, round: number): Promise<number> {
    const b = this.world.batch(campaignId, batch);
    const rec = this.world.campaign(campaignId);
    if (!b || !rec || !b.done) return 0;
    const notSent = [...b.outcomes].filter(([, o]) => o[0] === 'n').map(([i]) => i);
    if (notSent.length === 0) return 0;
    for (const o of b.outcomes.values()) {
      rec.counts[OUTCOMES[o[0]].counter]--;
      if (o[0] === 'f' || o[0] === 'u') bump(rec.outcomeCodes[o[0] === 'f' ? 'failed' : 'unknown'], o[1], -1);
    }
    for (const i of notSent) b.outcomes.delete(i);
    b.done = false;
    delete b.reserved;
    b.version++;
    rec.batchesDone--;
    if (rec.state === 'completed') {
      rec.state = 'running';
      delete rec.finishedAt;
    }
    rec.resendRound = round;
    return notSent.length;
  }

  private nextSeq(campaignId: string): number {
    const n = (this.world.webhookSeq.get(campaignId) ?? 0) + 1;
    this.world.webhookSeq.set(campaignId, n);
    return n;
  }
}

function bump(counts: Record<string, number>, code: string, by: number): void {
  counts[code] = (counts[code] ?? 0) + by;
  if (counts[code] <= 0) delete counts[code];
}
