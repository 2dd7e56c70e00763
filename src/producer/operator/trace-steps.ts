/**
 * A recipient's trace: every decision and event smsq keeps about one recipient of a campaign, in time order
 * (`smsq trace`, GET /v1/campaigns/:id/recipients/:number, the library's traceRecipient). Each step is one member of
 * the TraceStep union, told apart by `kind`; times are ISO 8601. A new kind of step is a new member here, placed by
 * trace.ts where it happened.
 */
import type { CallVerdict } from '../../shared/batch/call-log';
import type { CanaryState } from '../../shared/campaign/canary';
import type { WinnerBy } from '../../shared/campaign/variants';
import type { DeliveryState, ReportedStatus } from '../../shared/types';

/** The recipient's row: which batch holds it, at which index, under which orderId. */
export interface StagedStep {
  kind: 'staged';
  /** When the campaign was queued. */
  at: string;
  batch: number;
  index: number;
  orderId: string;
}

/**
 * The campaign has a canary: whether this recipient was in it (sent first) or in the rest (held until the canary was
 * judged), and with A/B variants which text it got or gets.
 */
export interface CanaryStep {
  kind: 'canary';
  part: 'canary' | 'rest';
  /** The canary's state now: sending, holding, released (the rest was queued) or stopped (a gate failed). */
  state: CanaryState;
  /** With variants: the recipient's text ("A" to "E"); absent for the rest until the canary is judged. */
  variant?: string;
  /** With variants, once judged: the winner, by its measure. */
  winner?: string;
  winnerBy?: WinnerBy;
}

/** Its batch holds recipients outside their send window: this one waits with them until the window opens. */
export interface WindowHoldStep {
  kind: 'window-hold';
  until: string;
}

/** What the call loop does after a call's answer, as one word for people and programs. */
export type CallNext = 'sent' | 'retried' | 'split' | 'stopped' | 'failed' | 'unknown' | 'retried-at-once';

/** One call the recipient went in: the gateway's answer and what smsq made of it. */
export interface CallStep {
  kind: 'call';
  at: string;
  /** 1 for the recipient's first call, 2 for its second, … */
  attempt: number;
  account: string;
  /** How many recipients the call held. */
  recipients: number;
  verdict: CallVerdict;
  /** The gateway's status (`0` accepted), or smsq's code for an answer it could not read. */
  code: string;
  reason: string;
  next: CallNext;
  /** The recipient's msgId, on the call that sent it. */
  msgId?: string;
}

/** The start of a call settled the recipient instead of sending it: on the suppression list, or over the frequency cap. */
export interface KeptOutStep {
  kind: 'kept-out';
  status: 'suppressed' | 'capped';
  reason?: string;
}

/** How the recipient ended: its result as `smsq results` shows it. */
export interface OutcomeStep {
  kind: 'outcome';
  /** When the call that settled it was sent; absent when no call settled it (cancelled, suppressed, settled later). */
  at?: string;
  status: ReportedStatus;
  msgId?: string;
  code?: string;
  reason?: string;
  account?: string;
}

/** The gateway's delivery report for its message. */
export interface DeliveryStep {
  kind: 'delivery';
  at?: string;
  state: Exclude<DeliveryState, 'pending'>;
  code?: string;
  reason?: string;
  price?: string;
  currency?: string;
}

/** The recipients.settled webhook event that carried it, and how its delivery went. */
export interface WebhookStep {
  kind: 'webhook';
  at: string;
  event: 'recipients.settled';
  /** The webhook-id. */
  id: string;
  /**
   * `failed`: retries used up (smsq webhooks failed); `pending`: queued or retrying; `delivered`: not in the queue any
   * more, which is how a delivered event ends (delivered events are not kept).
   */
  delivery: 'delivered' | 'failed' | 'pending';
}

/** A reply from the recipient's number attributed to the campaign. */
export interface ReplyStep {
  kind: 'reply';
  at: string;
  text: string;
  keyword?: string;
}

/** With tracked links: the recipient's clicks, robots and previews not counted. */
export interface ClicksStep {
  kind: 'clicks';
  /** The first click. */
  at: string;
  clicks: number;
}

export type TraceStep =
  StagedStep | CanaryStep | WindowHoldStep | CallStep | KeptOutStep | OutcomeStep | DeliveryStep | WebhookStep | ReplyStep | ClicksStep;

export interface RecipientTrace {
  campaignId: string;
  number: string;
  orderId: string;
  batch: number;
  index: number;
  status: ReportedStatus;
  steps: TraceStep[];
  /** What the trace could not show (an older call log trimmed, replies past the read bound). */
  notes: string[];
}
