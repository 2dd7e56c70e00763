/**
 * What the fakes keep in memory instead of Redis: campaign records, batch records, and the few keys the units read
 * or write besides them (staging waiters, settle locks, parked jobs). One world per fake context; the fake stores,
 * the fake Redis and the module stand-ins (lua-backed.ts) all read and change it, as the real ones share Redis.
 */
import type { InFlight } from '../../../src/shared/batch/store';
import { outcomeCounts } from '../../../src/shared/batch/outcomes';
import type { CampaignRecord } from '../../../src/shared/campaign/record';
import type { Context } from '../../../src/shared/context';
import type { SentIndexing } from '../../../src/shared/delivery/delivery-store';
import type { IndexEntry, MsgLocation } from '../../../src/shared/delivery/msgid-index';
import { keys as keysFor, type Keys } from '../../../src/shared/redis/keys';
import type { Recipient, StoredOutcome } from '../../../src/shared/types';

/** A batch hash as the batch scripts (src/shared/batch/scripts.ts) keep it. */
export interface FakeBatch {
  recipients: Recipient[];
  outcomes: Map<number, StoredOutcome>;
  /** `fly` and `ft`: the call in flight and the token of the run that made it. */
  inFlight: InFlight | null;
  /** `st` = 'done': counted into its campaign. */
  done: boolean;
  /** `v`: bumped by every outcome write. */
  version: number;
  /** `wh`: the webhook events FINISH_BATCH reserved, in its stored form. */
  reserved?: string;
}

export class FakeWorld {
  readonly keys: Keys;
  readonly campaigns = new Map<string, CampaignRecord>();
  /** By the real batch key (keys.batch), so that the fake Redis finds a batch by the key a unit asks for. */
  readonly batches = new Map<string, FakeBatch>();
  /** Batches whose jobs wait for their producer to write them, per campaign (AWAIT_STAGED's waiters set). */
  readonly stagingWaiters = new Map<string, Set<number>>();
  /** Campaigns whose settle lock someone holds (withSettleLock). */
  readonly settleLocks = new Set<string>();
  /** Job ids a paused campaign's gate parked, per campaign. */
  readonly parked = new Map<string, Set<string>>();
  /** Batches noted as waiting for their send window, per campaign, with the opening they wait for. */
  readonly windowWaits = new Map<string, Map<number, number>>();
  /** Each campaign's last webhook seq (the campaign hash's `webhookSeq`). */
  readonly webhookSeq = new Map<string, number>();
  /** Numbers on the suppression list, with the entry's reason. */
  readonly suppressed = new Map<string, string>();
  /** The msgId index: msgId → its recipient. */
  readonly msgIds = new Map<string, MsgLocation>();
  /** The entries each index write DeliveryStore.sentIndexing prepared stands for, for END_CALL to write. */
  readonly indexWrites = new WeakMap<SentIndexing, IndexEntry[]>();

  constructor(prefix: string) {
    this.keys = keysFor(prefix);
  }

  /** Indexes sent recipients' msgIds, as the index's writes do. */
  index(entries: readonly IndexEntry[]): void {
    for (const e of entries) {
      this.msgIds.set(e.msgId, {
        campaignId: e.campaignId,
        batch: e.batch,
        index: e.index,
        numberTail: e.number.slice(-4),
        sentAt: e.sentAt,
      });
    }
  }

  batch(campaignId: string, batch: number): FakeBatch | undefined {
    return this.batches.get(this.keys.batch(campaignId, batch));
  }

  /** The campaign's record, to change it in place (the stores hand out copies). */
  campaign(campaignId: string): CampaignRecord | undefined {
    return this.campaigns.get(campaignId);
  }

  /**
   * A campaign as a producer commits it: one batch record per list of recipients, unless `written` says fewer were
   * written (a campaign that sends while it is staged). Returns the campaign's record, live.
   */
  addCampaign(
    campaignId: string,
    batches: Recipient[][],
    overrides: Partial<CampaignRecord> = {},
    written = batches.length,
  ): CampaignRecord {
    const total = batches.reduce((n, b) => n + b.length, 0);
    const record = campaignRecord({ total, batches: batches.length, ...overrides });
    this.campaigns.set(campaignId, record);
    batches.slice(0, written).forEach((recipients, k) => this.writeBatch(campaignId, k, recipients));
    return record;
  }

  /** A batch record as the producer stages it: recipients, no outcome yet. */
  writeBatch(campaignId: string, batch: number, recipients: Recipient[]): FakeBatch {
    const b: FakeBatch = { recipients, outcomes: new Map(), inFlight: null, done: false, version: 0 };
    this.batches.set(this.keys.batch(campaignId, batch), b);
    return b;
  }

  /** Every recipient of the campaign's batches with its stored outcome (undefined: pending), batch by batch. */
  outcomesOf(campaignId: string): Array<{ batch: number; number: string; outcome: StoredOutcome | undefined }> {
    const rec = this.campaigns.get(campaignId);
    const out: Array<{ batch: number; number: string; outcome: StoredOutcome | undefined }> = [];
    for (let k = 0; k < (rec?.batches ?? 0); k++) {
      const b = this.batch(campaignId, k);
      b?.recipients.forEach((r, i) => out.push({ batch: k, number: r.number, outcome: b.outcomes.get(i) }));
    }
    return out;
  }
}

/** A campaign record with every counter at zero; `overrides` sets what a test is about. */
export function campaignRecord(overrides: Partial<CampaignRecord> = {}): CampaignRecord {
  return {
    content: 'Your code is 1234',
    links: { clicks: 0, clickers: 0, previews: 0 },
    state: 'running',
    priority: 'normal',
    total: 0,
    batches: 0,
    digest: '',
    duplicates: 0,
    invalid: 0,
    createdAt: Date.now(),
    batchesDone: 0,
    counts: outcomeCounts(() => 0),
    outcomeCodes: { failed: {}, unknown: {} },
    delivery: { delivered: 0, undelivered: 0, expired: 0, priced: 0, cost: {} },
    resendRounds: 0,
    ...overrides,
  };
}

/** `n` recipients with distinct numbers and orderIds; `from` shifts them, so that two batches never share one. */
export function recipients(n: number, from = 0): Recipient[] {
  return Array.from({ length: n }, (_, i) => ({ number: `4477009${String(from + i).padStart(5, '0')}`, orderId: `o-${from + i}` }));
}

/** A copy of a record, as a store's read hands out: later changes to the world do not reach it. */
export function copyCampaign(rec: CampaignRecord): CampaignRecord {
  return {
    ...rec,
    counts: { ...rec.counts },
    outcomeCodes: { failed: { ...rec.outcomeCodes.failed }, unknown: { ...rec.outcomeCodes.unknown } },
  };
}

/** The world behind a fake context: the module stand-ins (lua-backed.ts) receive only the context. */
const worlds = new WeakMap<Context, FakeWorld>();

export function attachWorld(ctx: Context, world: FakeWorld): void {
  worlds.set(ctx, world);
}

export function worldOf(ctx: Context): FakeWorld {
  const world = worlds.get(ctx);
  if (!world)
    throw new Error('this context is not a fake one (test/support/fakes/context.ts): a module stand-in was handed a real context');
  return world;
}
