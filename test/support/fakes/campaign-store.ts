/**
 * CampaignStore and CampaignGate in memory: the methods the worker's units call, on the fake world's records.
 * Typed by Pick<> of the real classes, so that a change of their signatures breaks this file at compile time.
 */
import type { CampaignGate, GateDecision } from '../../../src/shared/campaign/gate';
import { checkMove, type Move } from '../../../src/shared/campaign/lifecycle';
import type { CampaignRecord } from '../../../src/shared/campaign/record';
import type { CampaignStore } from '../../../src/shared/campaign/store';
import type { CampaignState } from '../../../src/shared/types';
import { copyCampaign, type FakeWorld } from './world';

type UsedStore =
  | 'read'
  | 'show'
  | 'createdAt'
  | 'transition'
  | 'waitingForWindow'
  | 'windowWaitOver'
  | 'resendRounds'
  | 'startResendRound'
  | 'setSettleError';

export class FakeCampaignStore implements Pick<CampaignStore, UsedStore> {
  constructor(private readonly world: FakeWorld) {}

  async read(campaignId: string): Promise<CampaignRecord | null> {
    return this.show(campaignId);
  }

  async createdAt(campaignId: string): Promise<number | undefined> {
    return this.world.campaign(campaignId)?.createdAt;
  }

  async show(campaignId: string): Promise<CampaignRecord | null> {
    const rec = this.world.campaign(campaignId);
    return rec ? copyCampaign(rec) : null;
  }

  /** TRANSITION: checks the move against the lifecycle, moves the state if it is one of `from`, setting the failure and end fields it names. */
  async transition(campaignId: string, move: Move, fields: Record<string, string> = {}): Promise<'ok' | 'missing' | CampaignState> {
    checkMove(move);
    const rec = this.world.campaign(campaignId);
    if (!rec) return 'missing';
    if (!move.from.includes(rec.state)) return rec.state;
    rec.state = move.to;
    if (fields.failCode !== undefined) rec.failure = { code: fields.failCode, reason: fields.failReason ?? '' };
    if (fields.finishedAt !== undefined) rec.finishedAt = Number(fields.finishedAt);
    return 'ok';
  }

  async waitingForWindow(campaignId: string, batch: number, reopenAt: number): Promise<void> {
    const waits = this.world.windowWaits.get(campaignId) ?? new Map<number, number>();
    waits.set(batch, reopenAt);
    this.world.windowWaits.set(campaignId, waits);
  }

  async windowWaitOver(campaignId: string, batch: number): Promise<void> {
    this.world.windowWaits.get(campaignId)?.delete(batch);
  }

  async resendRounds(campaignId: string): Promise<number> {
    return this.world.campaign(campaignId)?.resendRounds ?? 0;
  }

  async startResendRound(campaignId: string): Promise<number> {
    const rec = this.world.campaign(campaignId);
    if (!rec) throw new Error(`fake: no campaign ${campaignId} to start a resend round of`);
    return ++rec.resendRounds;
  }

  async setSettleError(campaignId: string, message: string | null): Promise<void> {
    const rec = this.world.campaign(campaignId);
    if (!rec) return;
    if (message === null) delete rec.settleError;
    else rec.settleError = message;
  }
}

/**
 * START_BATCH in memory: `missing`, `paused` (the job id parked), a scheduled campaign before its sendAt `wait`s;
 * a rate cap is scripted (`holdNext`), as the fake keeps no rate keys. Every decision is kept, in order.
 */
export class FakeGate implements Pick<CampaignGate, 'enter'> {
  readonly decisions: GateDecision[] = [];
  private readonly held: number[] = [];

  constructor(private readonly world: FakeWorld) {}

  /** The next `enter` of any batch answers `wait` for `ms`, as a rate cap would. */
  holdNext(ms: number): void {
    this.held.push(ms);
  }

  async enter(
    campaignId: string,
    opts: { jobId: string; recipients: number; senderId?: string; senderRate: number; now?: number },
  ): Promise<GateDecision> {
    const decision = this.decide(campaignId, opts.jobId, opts.now ?? Date.now());
    this.decisions.push(decision);
    return decision;
  }

  private decide(campaignId: string, jobId: string, now: number): GateDecision {
    const rec = this.world.campaign(campaignId);
    if (!rec) return { kind: 'missing' };
    if (rec.state === 'paused') {
      const parked = this.world.parked.get(campaignId) ?? new Set<string>();
      parked.add(jobId);
      this.world.parked.set(campaignId, parked);
      return { kind: 'paused' };
    }
    if (rec.state === 'scheduled' && rec.sendAt !== undefined && rec.sendAt > now) return { kind: 'wait', ms: rec.sendAt - now };
    const ms = this.held.shift();
    if (ms !== undefined) return { kind: 'wait', ms };
    rec.firstBatchAt ??= now;
    rec.lastBatchAt = now;
    return { kind: 'go', state: rec.state };
  }
}
