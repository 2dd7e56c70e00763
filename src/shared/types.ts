/**
 * Terminology — the same words are used in code, logs, the CLI and the README.
 *
 * - **campaign**: one message text (content, optional senderId) for many recipients, identified by a campaignId.
 * - **recipient**: one phone number in a campaign, with the caller's orderId (generated when not given).
 * - **batch**: up to `batchSize` (≤ 1000) recipients of one campaign, staged in Redis by the producer and sent by
 *   one batch job. Batch `k` of a campaign always holds the same recipients.
 * - **call**: one POST to the gateway's sendSms for some or all of a batch's recipients (a batch may need several
 *   calls when the gateway refuses a number with -9 and the batch is split).
 * - **attempt**: one run of a batch job; transient failures end an attempt and BullMQ retries with backoff.
 * - **outcome**: what happened to a recipient: `sent` (with msgId), `failed` (with code and reason), `unknown`
 *   (the call may or may not have reached the gateway), `cancelled`, and `not-sent` (an `unknown` that
 *   `reconcile` found missing from the gateway's records).
 * - **msgId**: the gateway's id for an accepted message. **orderId**: the caller's id, sent with the number.
 * - **delivery**: what the gateway's delivery reports say of a sent message: `delivered`, `undelivered`,
 *   `pending` (no report yet) or `expired` (no report within DLR_EXPIRE_AFTER_SECONDS).
 */

/** Final status of one recipient. `pending` is only ever reported, never stored. */
export type RecipientStatus = 'sent' | 'failed' | 'unknown' | 'cancelled' | 'not-sent';
export type ReportedStatus = RecipientStatus | 'pending';

/** A recipient as the caller gives it. */
export interface RecipientInput {
  number: string;
  orderId?: string;
}

/** A recipient after validation: number normalised to digits, orderId always present. */
export interface Recipient {
  number: string;
  orderId: string;
}

/**
 * A stored outcome, compact because a batch stores up to 1000 of them:
 * `['s', msgId]`, `['f', code, reason]`, `['u', code, reason, calledAt?]`, `['c']`, `['n', reason]`.
 * `calledAt` (ms) is when the call whose answer was lost started: reconcile searches the gateway's records there.
 */
export type StoredOutcome = ['s', string] | ['f', string, string] | ['u', string, string, number?] | ['c'] | ['n', string];

export type DeliveryState = 'delivered' | 'undelivered' | 'pending' | 'expired';

export type CampaignState = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

export interface CampaignCounts {
  total: number;
  sent: number;
  failed: number;
  unknown: number;
  cancelled: number;
  notSent: number;
  pending: number;
  duplicatesSkipped: number;
  invalidSkipped: number;
}

/** What delivery reports say of a campaign's sent messages. `pending` (no report yet) = sent − delivered − undelivered − expired. */
export interface DeliverySummary {
  delivered: number;
  undelivered: number;
  expired: number;
  pending: number;
  /** delivered / (delivered + undelivered), from 0 to 1; null before the first report. `pending` says how many are not in it yet. */
  deliveryRate: number | null;
  /** Sum of the reports' `pricedetail.pay`, per currency, as decimal strings (e.g. {"USD": "12.3400"}). */
  cost: Record<string, string>;
  /** Messages whose report carried a price; cost covers these only. */
  priced: number;
}

export interface CampaignInfo {
  campaignId: string;
  state: CampaignState;
  content: string;
  senderId?: string;
  batches: number;
  counts: CampaignCounts;
  delivery: DeliverySummary;
  /** Epoch milliseconds in the library; ISO 8601 in the HTTP API and `smsq ... --json` (see shared/campaign-json.ts). */
  createdAt: number;
  finishedAt?: number;
  /** Set when the campaign failed as a whole (content refused). */
  failure?: { code: string; reason: string };
  /** The campaign's lane (issue 10); 'normal' for campaigns queued without one. */
  priority: 'high' | 'normal' | 'low';
  /** Failed and unknown recipients per gateway status or error code, e.g. { failed: { '-5': 3 }, unknown: { TIMEOUT: 1 } }. */
  outcomeCodes: { failed: Record<string, number>; unknown: Record<string, number> };
}

/** One line of `campaignResults`. */
export interface RecipientResult {
  number: string;
  orderId: string;
  status: ReportedStatus;
  msgId?: string;
  code?: string;
  reason?: string;
  /** Only for `sent` recipients. */
  delivery?: DeliveryState;
  /** The gateway's status and reason for `undelivered`. */
  deliveryCode?: string;
  deliveryReason?: string;
  /** When the report says the message was delivered or failed, ISO 8601. */
  reportedAt?: string;
  /** What the gateway charged for the message, from its report. */
  price?: string;
  currency?: string;
}

/** Job names mapped to their data and result types (see shared/queues.ts). */
export interface CampaignJobData {
  campaignId: string;
}
export type CampaignJobResult = { batches: number };

export interface BatchJobData {
  campaignId: string;
  batch: number;
}

/**
 * A batch job's returnvalue. Compact because BullMQ also copies it into the events stream:
 * `sent` pairs orderId with msgId; the other lists say why each recipient was not sent.
 */
export interface BatchJobResult {
  campaignId: string;
  batch: number;
  sent: Array<[orderId: string, msgId: string]>;
  failed: Array<[orderId: string, code: string, reason: string]>;
  unknown: Array<[orderId: string, code: string, reason: string]>;
  cancelled: string[];
  /** Recipients `reconcile` found missing from the gateway's records (present only when there are some). */
  notSent?: string[];
}
