/**
 * Webhook terminology — the same words in code, logs, the CLI and the docs.
 *
 * - **event**: one thing that happened to a campaign, sent as JSON `{ type, id, timestamp, data }`; `data`
 *   always holds `campaignId` and `seq`.
 * - **webhook-id** (`id`): stable for the event, the same on every delivery attempt; receivers drop repeats.
 * - **seq**: the event's place among its campaign's events (campaign.started is 0, then 1, 2, …, from
 *   HINCRBY on the campaign hash), so that a receiver can order events that arrive out of order. Numbers may be
 *   skipped (an event dropped by WEBHOOK_MAX_QUEUED, a process killed between reserving and queueing).
 * - **target**: the URL an event is POSTed to: the campaign's `callbackUrl`, else its owner's URL — WEBHOOK_URL for
 *   an admin's campaign, its tenant's webhook URL for a tenant's (owner-webhook.ts).
 * - **attempt**: one POST of an event; any 2xx delivers it, 410 stops it, anything else is retried.
 * - **failed event**: one whose attempts ran out (WEBHOOK_RETRY_FOR) or that got 410; kept, listed, re-sendable.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { DeliveryState, ReportedStatus } from '../types';

export const WEBHOOK_EVENT_TYPES = [
  'campaign.started',
  'campaign.completed',
  'campaign.failed',
  'campaign.cancelled',
  'campaign.paused',
  'recipients.settled',
  'recipients.delivery',
  'link.clicked',
  /** Reserved: the gateway integration has no replies yet, so nothing emits it. */
  'reply.received',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One recipient's outcome in `recipients.settled`: the fields `smsq results` gives, without delivery. */
export interface SettledRecipient {
  orderId: string;
  number: string;
  status: ReportedStatus;
  msgId?: string;
  code?: string;
  reason?: string;
  /**
   * The gateway account its call went to: on every sent, unknown and not-sent recipient (`default` without
   * SMS_ACCOUNTS), and on a failed one when a call of a named account failed it. A msgId is unique within its
   * account only.
   */
  account?: string;
}

/** One delivery report in `recipients.delivery`; join it to its recipient by msgId (from recipients.settled). */
export interface DeliveryItem {
  msgId: string;
  /** The gateway account that sent the message: msgIds are unique only within one (`default` without SMS_ACCOUNTS). */
  account: string;
  delivery: Exclude<DeliveryState, 'pending'>;
  deliveryCode?: string;
  deliveryReason?: string;
  /** ISO 8601; absent for `expired`. */
  reportedAt?: string;
  price?: string;
  currency?: string;
}

/** One click on a tracked link in `link.clicked`: whose link it was, where it went, and when. */
export interface ClickItem {
  orderId: string;
  number: string;
  /** The original URL, which the short link redirected to. */
  url: string;
  /** ISO 8601. */
  clickedAt: string;
  /** Whether this was the recipient's first click on any of its links. */
  firstClick: boolean;
}

/** `data` of each event type, besides `campaignId` and `seq`. */
export interface WebhookEventData {
  'campaign.started': Record<string, never>;
  'campaign.completed': { counts: { sent: number; failed: number; unknown: number; cancelled: number; notSent: number } };
  'campaign.failed': { code: string; reason: string };
  'campaign.cancelled': Record<string, never>;
  'campaign.paused': { by: 'account' | 'operator' | 'budget' | string; reason: string; code?: string };
  'recipients.settled': { batch: number; recipients: SettledRecipient[] };
  'recipients.delivery': { reports: DeliveryItem[] };
  'link.clicked': { clicks: ClickItem[] };
  'reply.received': { msgId?: string; number: string; text: string };
}

/** The webhooks queue's job: the event, serialised once at creation so every attempt sends the same bytes. */
export interface WebhookJobData {
  /** The webhook-id, also the job id. */
  id: string;
  type: WebhookEventType;
  /** The stored id (`<tenant>~<id>` for a tenant's campaign): it says whose secret seals and signs the event. */
  campaignId: string;
  url: string;
  /**
   * The body, raw-deflated (level 1) and base64-encoded (see packBody): a batch's ~90 KB of outcomes take ~12 KB
   * of Redis while they wait for a receiver, for about 0.3 ms of CPU each way.
   */
  payload: string;
  /** When the event was created (ms). */
  createdAt: number;
  /** Start of the current retry window (ms): createdAt, or when an operator re-sent the event. */
  since: number;
  /** Proof that smsq created this job (job-seal.ts): a job without a matching seal is never delivered. */
  seal: string;
}

export interface WebhookJobResult {
  status: number;
  attempts: number;
}

/**
 * The campaign.completed event a completing script reserved (includes/complete-campaign.lua, whichever way the
 * campaign completed): its seq, and the campaign's counts when it completed.
 */
export interface ReservedCompletion {
  seq: number;
  counts: WebhookEventData['campaign.completed']['counts'];
}

/** `seq,sent,failed,unknown,cancelled,notSent` as the completion routine reserves it. */
export function parseCompletion(raw: string): ReservedCompletion {
  const n = raw.split(',').map(Number);
  return { seq: n[0], counts: { sent: n[1], failed: n[2], unknown: n[3], cancelled: n[4], notSent: n[5] } };
}

/**
 * The events FINISH_BATCH reserved for a batch (stored in the batch hash as `wh`), so that a re-run after a crash
 * builds them again with the same seq and time — the same webhook-id and the same bytes.
 */
export interface ReservedEvents {
  /** seq of recipients.settled, and when the batch finished (ms): the timestamp of both events. */
  seq: number;
  at: number;
  /** Present when this batch completed its campaign. */
  completed?: ReservedCompletion;
}

/** `seq,at[,<completion>]` as FINISH_BATCH stores it (a completion as parseCompletion reads it). */
export function parseReserved(raw: string): ReservedEvents {
  const [seq, at, ...completion] = raw.split(',');
  const out: ReservedEvents = { seq: Number(seq), at: Number(at) };
  if (completion.length > 0) out.completed = parseCompletion(completion.join(','));
  return out;
}

/** The stored form of a body (WebhookJobData.payload). */
export function packBody(body: string): string {
  return deflateRawSync(body, { level: 1 }).toString('base64');
}

/** The body, byte for byte as it was created. */
export function unpackBody(payload: string): string {
  return inflateRawSync(Buffer.from(payload, 'base64')).toString('utf8');
}
