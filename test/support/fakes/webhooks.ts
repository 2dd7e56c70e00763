/**
 * WebhookEmitter in memory: the events a unit creates, in order, instead of jobs on the webhooks queue. Typed by
 * Pick<WebhookEmitter>, so that a change of the real signatures breaks this file at compile time.
 */
import type { CampaignRecord } from '../../../src/shared/campaign/record';
import { settledRecipients, type CampaignTarget, type WebhookEmitter } from '../../../src/shared/webhooks/emitter';
import type { ReservedEvents, WebhookEventData, WebhookEventType } from '../../../src/shared/webhooks/events';
import type { Recipient, StoredOutcome } from '../../../src/shared/types';
import type { FakeWorld } from './world';

export interface FakeEvent {
  campaignId: string;
  type: WebhookEventType;
  data: unknown;
  /** The seq FINISH_BATCH reserved, for the events of a finished batch; none for those `emit` reserves. */
  seq?: number;
}

export class FakeWebhooks implements Pick<WebhookEmitter, 'target' | 'emit' | 'batchFinished'> {
  readonly events: FakeEvent[] = [];

  constructor(
    private readonly world: FakeWorld,
    /** WEBHOOK_URL, if the test's configuration sets one. */
    private readonly url: string | undefined,
  ) {}

  async target(campaignId: string, campaign: Pick<CampaignRecord, 'callbackUrl' | 'createdAt'>): Promise<CampaignTarget | undefined> {
    const url = campaign.callbackUrl || this.url;
    return url ? { campaignId, createdAt: campaign.createdAt, url } : undefined;
  }

  /** As RESERVE_EVENT decides: nothing for a campaign that is gone or that no URL applies to. */
  async emit<T extends WebhookEventType>(campaignId: string, type: T, data: WebhookEventData[T]): Promise<void> {
    const rec = this.world.campaign(campaignId);
    if (rec && (await this.target(campaignId, rec))) this.events.push({ campaignId, type, data });
  }

  async batchFinished(
    target: CampaignTarget,
    batch: number,
    recipients: Recipient[],
    outcomes: ReadonlyMap<number, StoredOutcome>,
    reserved: ReservedEvents,
  ): Promise<void> {
    const { campaignId } = target;
    this.events.push({
      campaignId,
      type: 'recipients.settled',
      seq: reserved.seq,
      data: { batch, recipients: settledRecipients(recipients, outcomes) },
    });
    if (reserved.completed)
      this.events.push({
        campaignId,
        type: 'campaign.completed',
        seq: reserved.completed.seq,
        data: { counts: reserved.completed.counts },
      });
  }

  /** The types of the events created so far, in order. */
  types(): WebhookEventType[] {
    return this.events.map((e) => e.type);
  }
}
