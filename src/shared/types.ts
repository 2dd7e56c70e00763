import type { CanaryFigures, CanaryGates, CanaryState, FailedGate } from './campaign/canary';
import type { VariantFigures, WinnerBy } from './campaign/variants';
import type { Priority } from './campaign/lanes';
import type { OutcomeCounter } from './batch/outcomes';

/**
 * Terminology — docs/glossary.md in short; the same words are used in code, logs, the CLI
 * and the HTTP API.
 *
 * - **campaign**: one message (a fixed text, or a template) to a list of recipients, under a campaignId; queued whole
 *   or not at all.
 * - **recipient**: one phone number of a campaign, normalised to digits, with its orderId (and fields for a template).
 * - **orderId**: the caller's id for a recipient, unique in the campaign, sent with the number (`smsq-<row>` if none).
 * - **batch**: up to `batchSize` (≤ 1000) recipients of one campaign, staged in Redis by the producer and sent by
 *   one batch job. Batch `k` of a campaign always holds the same recipients.
 * - **call**: one POST to the gateway's sendSms (or sendSms/batch) for some or all of a batch's recipients (a batch
 *   may need several calls when the gateway refuses a number with -9 and the batch is split).
 * - **attempt**: one run of a batch job; transient failures end an attempt and BullMQ retries with backoff.
 * - **outcome**: what happened to a recipient (RecipientStatus, a StoredOutcome in Redis): `sent` (with msgId),
 *   `failed` (code, reason), `unknown`, `cancelled`, `not-sent`, `suppressed`, `capped`, `expired`. A recipient
 *   without one is **pending**; with one (`unknown` too), **settled**.
 * - **msgId**: the gateway's id for an accepted message; delivery reports name the message by it.
 * - **unknown**: the call may or may not have reached the gateway (timeout after sending, reset, garbage answer,
 *   IN_FLIGHT_LOST); not resent unless SMS_RETRY_UNKNOWN.
 * - **settling**: finding out what happened to `unknown` recipients, from the gateway's own records (getSentRcd):
 *   each becomes `sent` or `not-sent`. Run by hand (`smsq settle`) or by the automatic **settle job**; a **round**
 *   is the first sending (0) or one resend of `not-sent` recipients (1, 2, …).
 * - **lane**: the priority a campaign sends at (`high`, `normal`, `low`). A waiting batch of a higher lane always
 *   starts before one of a lower lane; within a lane, active campaigns take turns.
 * - **release**: adding a batch's send job to its lane. A campaign keeps only SMS_RELEASE_AHEAD batches waiting;
 *   each batch that starts releases the next.
 * - **schedule** (`sendAt`), **window** (the local hours a recipient may be sent in) and **validity** (`validFor`,
 *   `expireAt`: recipients still pending then end `expired`): when a campaign may send (CampaignSchedule).
 * - **suppression list**: numbers never sent to, checked at each call start (`suppressed`); the **frequency cap**
 *   (SMS_FREQUENCY_CAP) ends a recipient `capped`.
 * - **delivery report**: what the gateway later says of a sent message; a recipient's **delivery** is `delivered`,
 *   `undelivered`, `pending` (no report yet) or `expired` (no report within DLR_EXPIRE_AFTER_MS).
 * - **webhook event**: a signed POST saying what happened to a campaign (see shared/webhooks/events.ts).
 * - **template**: a content with `{{field}}` placeholders; its campaign is **personalised**: each recipient's
 *   **fields** fill it into that recipient's **text**, and its batches go out through `sendSms/batch`.
 * - **segment**: one SMS part the gateway charges for (160/153 GSM-7 characters, 70/67 UCS-2).
 * - **reply**: a text a recipient sent back (the gateway's recordMo, polled or pushed), attributed to the campaign
 *   that last sent to its number; an opt-out **keyword** reply (STOP, START) changes the suppression list.
 */

/**
 * Final status of one recipient. `pending` is only ever reported, never stored. `suppressed`: the number was on
 * the suppression list when its call was about to start; `capped`: it had reached SMS_FREQUENCY_CAP.
 */
export type RecipientStatus = 'sent' | 'failed' | 'unknown' | 'cancelled' | 'not-sent' | 'suppressed' | 'capped' | 'expired';
export type ReportedStatus = RecipientStatus | 'pending';

/** A recipient as the caller gives it. */
export interface RecipientInput {
  number: string;
  orderId?: string;
  /** Values for the content's `{{field}}` placeholders (personalised campaigns); numbers are taken as text. */
  fields?: Record<string, string | number>;
  /** The recipient's IANA time zone, for the campaign's send window; default: the campaign's, else the number's country's. */
  timezone?: string;
}

/** A recipient after validation: number normalised to digits, orderId always present. */
export interface Recipient {
  number: string;
  orderId: string;
  /** Personalised campaigns only: the values of the template's fields, in the template's field order. */
  values?: string[];
  /** The recipient's own time zone, when it gave one. */
  zone?: string;
}

/**
 * A stored outcome, compact because a batch stores up to 1000 of them:
 * `['s', msgId, reason?, account?]` (a reason only when the gateway's records, not a call's answer, said it was sent),
 * `['f', code, reason, account?]`, `['u', code, reason, calledAt?, account?]`, `['c']`, `['n', reason, account?]`,
 * `['x', reason]` (suppressed, with the list entry's reason), `['k']` (capped), `['e']` (expired: not sent by the
 * campaign's expireAt). `calledAt` (ms) is when the call whose answer was lost started: settling searches the
 * gateway's records there. `account` names the gateway account the call went to, left out for the `default` one
 * (accounts/outcome-account.ts reads and writes it); an optional field before it is null when it is absent.
 */
export type StoredOutcome =
  | ['s', string, (string | null)?, string?]
  | ['f', string, string, string?]
  | ['u', string, string, (number | null)?, string?]
  | ['c']
  | ['n', string, string?]
  | ['x', string]
  | ['k']
  | ['e'];

export type DeliveryState = 'delivered' | 'undelivered' | 'pending' | 'expired';

/** Every state a reader may see, in a campaign's order of life (the API's enums and the list's filter use it). */
export const SHOWN_STATES = ['scheduled', 'queued', 'running', 'waiting-window', 'paused', 'completed', 'failed', 'cancelled'] as const;
/** What readers see: a running campaign whose every unfinished batch waits for its recipients' window shows `waiting-window`. */
export type ShownState = (typeof SHOWN_STATES)[number];
/** The state stored in the campaign's hash: every shown state but `waiting-window`, which is worked out for readers. */
export type CampaignState = Exclude<ShownState, 'waiting-window'>;

/** When a campaign may send: its schedule, its recipients' send window and its validity. Times in ms since the epoch. */
export interface CampaignSchedule {
  sendAt?: number;
  /** The window, normalised (`Mon-Fri 09:00-18:00`), and the campaign's own zone if it gave one. */
  window?: string;
  timezone?: string;
  expireAt?: number;
  /** Batches holding recipients until their window opens, and the earliest opening among them. */
  waiting?: { batches: number; nextOpenAt: number };
}

export interface CampaignCounts {
  total: number;
  sent: number;
  failed: number;
  unknown: number;
  cancelled: number;
  notSent: number;
  suppressed: number;
  capped: number;
  expired: number;
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

/**
 * Why a campaign is paused: by whom (`operator`: smsq pause, of the campaign or the whole queue; `account`: an
 * account-level stop; `budget`) and why.
 */
export interface PauseInfo {
  by: string;
  reason: string;
  /** ms since the epoch; absent for a queue-wide pause, which records no time. */
  at?: number;
}

export interface CampaignInfo {
  campaignId: string;
  /** The tenant whose key queued it (its campaignId as stored is `<tenant>~<id>`); absent: an admin's campaign. */
  tenant?: string;
  /** Set for a resend (resendCampaign): the campaign whose recipients it sends to again. */
  parentId?: string;
  state: ShownState;
  content: string;
  senderId?: string;
  /** The gateway accounts the campaign pins; absent: any configured account may send it. */
  accounts?: string[];
  priority: Priority;
  /** Recipients per second this campaign may send at most, across all workers. */
  maxRate?: number;
  /** Set while the campaign is paused. */
  paused?: PauseInfo;
  /** Set when the campaign has a schedule, a send window or a validity. */
  schedule?: CampaignSchedule;
  batches: number;
  /**
   * Set while the campaign sends as its file is still being staged: recipients written so far of `counts.total`,
   * and whether the producer staging it is still alive (if not, run the same enqueue again to stage the rest).
   */
  staging?: { staged: number; producerAlive: boolean };
  /** Set when staging ended before the whole file was written: recipients never queued (not in `counts`), and why. */
  unstaged?: { count: number; reason: string };
  counts: CampaignCounts;
  delivery: DeliverySummary;
  /** Epoch milliseconds in the library; ISO 8601 in the HTTP API and `smsq ... --json` (see shared/campaign/json.ts). */
  createdAt: number;
  /** When its first and (so far) last batch started, ms since the epoch. */
  firstBatchAt?: number;
  lastBatchAt?: number;
  finishedAt?: number;
  /** Set when the campaign failed as a whole (content refused). */
  failure?: { code: string; reason: string };
  /** The campaign's budget cap, as a decimal string in the prices' currency. */
  maxCost?: string;
  /** Set while automatic settling cannot read the gateway's records: why its `unknown` recipients stay so. */
  settleError?: string;
  /** Set for a campaign with tracked links: the visits to its short links. */
  links?: LinkSummary;
  /** Set for a campaign with a canary: its size, hold, gates, where it is, and what it did once judged. */
  canary?: CanaryInfo;
  /** Set for a campaign with A/B variants: its texts, the measure, and once the canary is judged the winner and each text's figures. */
  variants?: VariantsInfo;
  /** Failed and unknown recipients per gateway status or error code, e.g. { failed: { '-5': 3 }, unknown: { TIMEOUT: 1 } }. */
  outcomeCodes: { failed: Record<string, number>; unknown: Record<string, number> };
  /** Set when fields of its record in Redis could not be read (corrupt, or from another version): they are left out. */
  damaged?: string[];
}

/** A campaign's canary (shared/campaign/canary.ts). */
export interface CanaryInfo {
  size: number;
  holdMs: number;
  gates: CanaryGates;
  /** `sending`, `holding` (all its recipients settled; held until sentAt + holdMs), `released` or `stopped` (a gate failed: the campaign is paused). */
  state: CanaryState;
  /** When its last recipient was settled and the hold began (ms since the epoch; ISO 8601 over HTTP). */
  sentAt?: number;
  /** What it did, once judged. */
  figures?: CanaryFigures;
  /** With the figures: the gates they failed (empty when they held). */
  failedGates?: FailedGate[];
}

/** A campaign's A/B variants (shared/campaign/variants.ts). */
export interface VariantsInfo {
  /** The texts, in order: variant A is the first. */
  texts: string[];
  winnerBy: WinnerBy;
  /** Once the canary is judged: the index of the text its other recipients get. */
  winner?: number;
  /** Once judged: what each text did on its share of the canary, in the texts' order. */
  figures?: VariantFigures[];
}

/** A tracked campaign's clicks. */
export interface LinkSummary {
  /** The LINK_BASE_URL its short links were made under. */
  baseUrl: string;
  /** Clicks on its short links by people (robots' and HEAD requests' visits are `previews`). */
  clicks: number;
  /** Recipients who clicked at least once. */
  clickers: number;
  /** clickers / sent; null before the first send. */
  clickRate: number | null;
  /** Visits by link-preview and scanning robots, and HEAD requests: not clicks. */
  previews: number;
}

/** One line of `campaignResults`. */
export interface RecipientResult {
  number: string;
  orderId: string;
  status: ReportedStatus;
  msgId?: string;
  code?: string;
  reason?: string;
  /** The gateway account the recipient's call went to (`sent`, `unknown`, `not-sent`, and `failed` by a call). */
  account?: string;
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
  /** The recipient's text (rendered from the template for a personalised campaign); only when asked for. */
  content?: string;
  /** With tracked links: how many times the recipient followed its links (robots and HEAD requests not counted). */
  clicks?: number;
  /** With tracked links: when the recipient first followed one, ISO 8601. */
  firstClickAt?: string;
  /** With A/B variants: the text the recipient got or will get ("A", "B", …); the winner's, outside the canary once judged. */
  variant?: string;
}

/** The data and result of each job; shared/queues.ts maps every job name to them (JobTypes). */
export interface CampaignJobData {
  campaignId: string;
}
export type CampaignJobResult = { batches: number };

/** The pollers' jobs carry nothing: each run reads from Redis where the last one stopped. */
export type NoJobData = Record<string, never>;

export interface BatchJobData {
  campaignId: string;
  batch: number;
}

/**
 * The batch job's BullMQ returnvalue: a summary for bull-board, not the results. Each recipient's outcome is in
 * the batch record (`smsq results`, `GET /v1/campaigns/:id/results`); repeating a thousand `[orderId, msgId]`
 * pairs here cost about 80 bytes of Redis per recipient (the job hash and BullMQ's events stream both keep it).
 */
export interface BatchJobResult {
  campaignId: string;
  batch: number;
  /** Recipients per outcome counter (`sent`, `failed`, `unknown`, `cancelled`, `notSent`, …); zeros left out. */
  counts: Partial<Record<OutcomeCounter, number>>;
  /** The first 10 recipients (worker/batch-result.ts) that failed or stayed unknown, with code and reason, to see why at a glance. */
  problems?: Array<[orderId: string, status: 'failed' | 'unknown', code: string, reason: string]>;
}

/** The settle job: settles a campaign's `unknown` recipients of one resend round (0: the first sending). */
export interface SettleJobData {
  campaignId: string;
  round: number;
}

/** What a settle job run did; `skipped` says why it did nothing. */
export interface SettleJobResult {
  campaignId: string;
  unknown: number;
  sent: number;
  notSent: number;
  resent: number;
  completed: boolean;
  skipped?: 'missing' | 'off';
}
