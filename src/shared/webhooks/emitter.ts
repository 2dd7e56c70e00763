import { createHash } from 'node:crypto';
import type { CampaignRecord } from '../campaign/record';
import { toResult } from '../campaign/store';
import type { WebhookConfig } from '../config';
import type { Keys } from '../redis/keys';
import type { Logger } from '../logger';
import { lua, runScript } from '../redis/lua';
import { metrics } from '../metrics';
import { JOB_NAMES, type WebhookQueue } from '../queues';
import type { RedisClient } from '../redis/connection';
import type { Recipient, StoredOutcome } from '../types';
import { sealJob } from './job-seal';
import type { OwnerWebhook, OwnerWebhooks } from './owner-webhook';
import { ownerOf } from '../tenants/campaign-owner';
import {
  packBody,
  type ReservedCompletion,
  type ReservedEvents,
  type SettledRecipient,
  type WebhookEventData,
  type WebhookEventType,
  type WebhookJobData,
} from './events';

/** Reserves a campaign's next webhook seq if its events go anywhere: {seq, createdAt, url}, or null (scripts/reserve-event.lua). */
const RESERVE_EVENT = lua<[campaign: string], [ownerUrl: string], [seq: number, createdAt: string, url: string] | null>('reserve-event');

/** How long "this campaign has no callbackUrl" is remembered while its owner has no URL (so that costs nothing). */
const NO_TARGET_TTL_MS = 60_000;
const NO_TARGET_MAX = 10_000;
/** The queue's length is read at most this often; the bound is approximate by that much. */
const COUNT_EVERY_MS = 1_000;

/** Where a campaign's events go, from its record. */
export interface CampaignTarget {
  /** The stored id (`<tenant>~<id>` for a tenant's campaign); its events' payloads carry the tenant's own id. */
  campaignId: string;
  createdAt: number;
  url: string;
}

/**
 * Creates webhook events: reserves each one's seq, serialises it once, seals it with its owner's secret
 * (owner-webhook.ts) and queues it on `webhooks`. Nothing at all happens for a campaign no URL applies to. Sending
 * never waits on a receiver: this only adds jobs, and past WEBHOOK_MAX_QUEUED waiting events it drops new ones (a
 * metric and one log line per episode).
 */
export class WebhookEmitter {
  private readonly noTarget = new Map<string, number>();
  private queued = 0;
  private countedAt = 0;
  private dropping = false;

  constructor(
    private readonly queue: WebhookQueue,
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly config: WebhookConfig,
    private readonly log: Logger,
    readonly owners: OwnerWebhooks,
  ) {}

  /**
   * The target of a campaign whose record is at hand, or undefined: its events go nowhere. A tenant's campaign reads
   * its tenant's webhook (cached, at most a second old); an admin's reads nothing.
   */
  async target(campaignId: string, campaign: Pick<CampaignRecord, 'callbackUrl' | 'createdAt'>): Promise<CampaignTarget | undefined> {
    const owner = await this.owners.of(campaignId);
    if (!sendable(owner)) return undefined;
    const url = campaign.callbackUrl || owner.url;
    return url ? { campaignId, createdAt: campaign.createdAt, url } : undefined;
  }

  /** Creates one event of a campaign (reads and bumps its seq in one script); nothing when no URL applies. */
  async emit<T extends WebhookEventType>(campaignId: string, type: T, data: WebhookEventData[T], at = Date.now()): Promise<void> {
    const owner = await this.owners.of(campaignId);
    if (!sendable(owner)) return;
    const ownerUrl = owner.url ?? '';
    if (!ownerUrl && (this.noTarget.get(campaignId) ?? 0) > Date.now()) return;
    const reply = await runScript(this.redis, RESERVE_EVENT, [this.keys.campaign(campaignId)], [ownerUrl]);
    if (!reply) {
      if (!ownerUrl) this.rememberNoTarget(campaignId);
      return;
    }
    const [seq, createdAt, url] = reply;
    await this.add([buildEvent({ campaignId, createdAt: Number(createdAt), url }, type, seq, at, data)], owner.secret);
  }

  /** campaign.started: always seq 0, dated by the split's `startedAt`, so that a re-run of the split repeats it exactly. */
  async started(target: CampaignTarget, startedAt: number): Promise<void> {
    await this.addFor(target, [buildEvent(target, 'campaign.started', 0, startedAt, {})]);
  }

  /** recipients.settled for a finished batch (and campaign.completed when it was the last), from what FINISH_BATCH reserved. */
  async batchFinished(
    target: CampaignTarget,
    batch: number,
    recipients: Recipient[],
    outcomes: ReadonlyMap<number, StoredOutcome>,
    reserved: ReservedEvents,
  ): Promise<void> {
    const events = [
      buildEvent(target, 'recipients.settled', reserved.seq, reserved.at, { batch, recipients: settledRecipients(recipients, outcomes) }),
    ];
    if (reserved.completed) events.push(completedEvent(target, reserved.at, reserved.completed));
    await this.addFor(target, events);
  }

  /** campaign.completed for a campaign completed by settling or by the end of its staging, as its script reserved it. */
  async campaignCompleted(target: CampaignTarget, at: number, reserved: ReservedCompletion): Promise<void> {
    await this.addFor(target, [completedEvent(target, at, reserved)]);
  }

  /** Events of a target found earlier, sealed with its owner's secret as it is now. */
  private async addFor(target: CampaignTarget, unsealed: UnsealedEvent[]): Promise<void> {
    const owner = await this.owners.of(target.campaignId);
    if (sendable(owner)) await this.add(unsealed, owner.secret);
  }

  /** Seals and queues events as one addBulk (one round trip), dropping them instead when the queue is over its bound. */
  private async add(unsealed: UnsealedEvent[], secret: string | undefined): Promise<void> {
    // A target implies a secret (the configuration and enqueue refuse a URL without one); without it the seal is
    // empty and the worker refuses the event, as it refuses to sign one.
    const events: WebhookJobData[] = unsealed.map((e) => ({ ...e, seal: secret ? sealJob(secret, e) : '' }));
    if (Date.now() - this.countedAt > COUNT_EVERY_MS) {
      this.queued = await this.queue.count();
      this.countedAt = Date.now();
    }
    if (this.queued + events.length > this.config.maxQueued) {
      for (const e of events) metrics.webhookEvents.labels(e.type, 'dropped').inc();
      if (!this.dropping) {
        this.dropping = true;
        this.log.warn(
          { maxQueued: this.config.maxQueued, queued: this.queued, campaignId: events[0].campaignId },
          'webhook events dropped: WEBHOOK_MAX_QUEUED events are waiting for a receiver that does not take them; new events are dropped until the queue drains',
        );
      }
      return;
    }
    this.dropping = false;
    // The webhook-id is the job id: an event queued again (a re-run after a crash) is one job while it waits.
    await this.queue.addBulk(events.map((data) => ({ name: JOB_NAMES.webhook, data, opts: { jobId: data.id } })));
    this.queued += events.length;
    for (const e of events) metrics.webhookEvents.labels(e.type, 'queued').inc();
  }

  private rememberNoTarget(campaignId: string): void {
    if (this.noTarget.size >= NO_TARGET_MAX) this.noTarget.clear();
    this.noTarget.set(campaignId, Date.now() + NO_TARGET_TTL_MS);
  }
}

/**
 * Whether a campaign's events may be created at all: a tenant's campaign needs its tenant's secret (its callbackUrl's
 * events too: they are signed with it), while an admin's is left to the worker's check of WEBHOOK_SECRET, as before.
 */
function sendable(owner: OwnerWebhook): boolean {
  return owner.tenant === undefined || owner.secret !== undefined;
}

/**
 * campaign.completed: built here only, whichever of the three ways the campaign completed (its last batch counted,
 * settling done, staging cut: see campaign/completion.ts), from the seq and counts its completing script reserved.
 */
function completedEvent(target: CampaignTarget, at: number, reserved: ReservedCompletion): UnsealedEvent {
  return buildEvent(target, 'campaign.completed', reserved.seq, at, { counts: reserved.counts });
}

/** A batch's recipients as recipients.settled lists them: the fields of `smsq results`, without delivery. */
export function settledRecipients(recipients: Recipient[], outcomes: ReadonlyMap<number, StoredOutcome>): SettledRecipient[] {
  return recipients.map((r, i) => toResult(r.number, r.orderId, outcomes.get(i)));
}

/**
 * The webhook-id of a campaign's event number `seq`: unique across campaigns (and across a campaign id used again
 * after its records expired, by its creation time), with no `.` (the signed content is `id.timestamp.body`).
 */
export function eventId(campaignId: string, createdAt: number, seq: number): string {
  return `msg_${createHash('sha256').update(`${campaignId}\n${createdAt}`).digest('hex').slice(0, 24)}_${seq}`;
}

/** An event's job before the emitter seals it. */
export type UnsealedEvent = Omit<WebhookJobData, 'seal'>;

/**
 * The event, serialised once: every attempt sends these bytes. Its payload's campaignId is the id its owner gave
 * (a tenant's, without `<tenant>~`); the job keeps the stored id, which says whose secret seals it.
 */
export function buildEvent<T extends WebhookEventType>(
  target: CampaignTarget,
  type: T,
  seq: number,
  at: number,
  data: WebhookEventData[T],
): UnsealedEvent {
  const id = eventId(target.campaignId, target.createdAt, seq);
  const body = JSON.stringify({
    type,
    id,
    timestamp: new Date(at).toISOString(),
    data: { campaignId: ownerOf(target.campaignId).campaignId, seq, ...data },
  });
  const now = Date.now();
  return { id, type, campaignId: target.campaignId, url: target.url, payload: packBody(body), createdAt: now, since: now };
}

/**
 * Creates one event of a campaign — for the pauses and stops decided outside this module (an operator's or a
 * budget's pause of one campaign: `emitCampaignEvent(ctx, id, 'campaign.paused', { by: 'operator', reason })`).
 */
export function emitCampaignEvent<T extends WebhookEventType>(
  ctx: { webhooks: WebhookEmitter },
  campaignId: string,
  type: T,
  data: WebhookEventData[T],
): Promise<void> {
  return ctx.webhooks.emit(campaignId, type, data);
}
