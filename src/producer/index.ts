import type { Config } from '../shared/config';
import { loadConfig } from '../shared/load-config';
import { createContext, type Context, type ContextOptions } from '../shared/context';
import { createLogger, type Logger } from '../shared/logger';
import type { CampaignInfo, RecipientResult } from '../shared/types';
import { type AccountStop, pauseSending, readAccountStop, resumeSending } from '../shared/campaign/sending-control';
import {
  cancelCampaign,
  campaignResults,
  getCampaign,
  pauseCampaign,
  rescheduleCampaign,
  resumeCampaign,
  setMaxCost,
  type PauseOptions,
  type ResultsOptions,
} from './operator/campaign-admin';
import { composeBeforeCommit, enqueueCampaign, type EnqueueOptions, type EnqueueResult } from './enqueue';
import { previewCampaign, type PreviewOptions, type PreviewResult } from './preview';
import { enqueueRecovering } from './recover-sent';
import { balanceCheck, readBalance, soleDefault, type BalanceCheckMode, type BalanceInfo } from './operator/balance';
import { listAccounts, resumeAccount, type AccountInfo, type AccountListOptions, type AccountResumed } from './operator/accounts';
import { listCampaigns, type CampaignPage, type ListOptions } from './operator/campaign-list';
import { settleCampaign, type SettleOptions, type SettleResult } from './operator/settle';
import { resendCampaign, type ResendOptions, type ResendResult } from './operator/resend';
import { SmsqError } from '../shared/errors';
import type { Suppression } from '../shared/opt-out/suppression-store';
import type { RawRow } from './read-recipients';
import {
  checkSuppressed,
  importSuppressions,
  listSuppressions,
  suppressNumbers,
  unsuppressNumbers,
  type SuppressImportResult,
  type SuppressOptions,
} from './operator/suppressions';
import { traceRecipient } from './operator/trace';
import type { RecipientTrace, TraceStep } from './operator/trace-steps';
import { failedWebhooks, retryWebhooks, type FailedWebhook, type WebhookScope } from './operator/webhooks-admin';
import { GatewayQueries } from '../shared/gateway/queries';
import { AccountGateways } from '../shared/accounts/gateways';
import type { AccountQueries } from '../shared/accounts/account-queries';
import { isLocalGateway } from '../shared/config';
import type { StoredReply } from '../shared/replies/reply-store';

export interface ReplyListOptions {
  /** Only replies attributed to this campaign (the last one that sent to the number before the reply). */
  campaignId?: string;
  /** Only replies the gateway received at or after this time (a Date, or ms since the epoch). */
  since?: Date | number;
}

export interface ProducerEnqueueOptions extends EnqueueOptions {
  /** Check the gateway balance against the last known price first: warn, or refuse (BALANCE_INSUFFICIENT). */
  balanceCheck?: BalanceCheckMode;
  /**
   * Recovery of a campaign Redis lost (docs/operations.md, Recovering a campaign Redis lost): every recipient whose number the gateway's records
   * (getSentRcd) show from this time to now is recorded `sent`, not sent again. An ISO 8601 time with an offset,
   * or a Date: when the lost campaign started sending. Needs the gateway credentials.
   */
  recoverSince?: string | Date;
}

export interface ProducerEnqueueResult extends EnqueueResult {
  /** With `recoverSince`, when the campaign was created: recipients found in the gateway's records, now `sent`. */
  recovered?: number;
}

export interface Producer {
  enqueueCampaign(opts: ProducerEnqueueOptions): Promise<ProducerEnqueueResult>;
  /** A dry run of enqueueCampaign: the same validation and counts, segments and estimated cost; nothing queued. */
  previewCampaign(opts: PreviewOptions): Promise<PreviewResult>;
  getCampaign(campaignId: string): Promise<CampaignInfo>;
  /** Campaigns, newest first, a page at a time. */
  listCampaigns(opts?: ListOptions): Promise<CampaignPage>;
  /**
   * How many workers are connected to the batch queue now (BullMQ reads CLIENT LIST for its workers' connection
   * names); null where Redis will not say (CLIENT refused by an ACL or a managed service).
   */
  workerCount(): Promise<number | null>;
  campaignResults(campaignId: string, opts?: ResultsOptions): AsyncGenerator<RecipientResult>;
  /**
   * Every step kept about one recipient, in time order: its row, each call it went in and the gateway's answer, its
   * outcome, delivery report, webhook event, replies and clicks. RECIPIENT_NOT_FOUND for a number not in the campaign.
   */
  traceRecipient(campaignId: string, number: string): Promise<RecipientTrace>;
  cancelCampaign(campaignId: string): Promise<CampaignInfo>;
  /** Pauses one campaign: none of its batches starts until resumeCampaign; other campaigns go on. */
  pauseCampaign(campaignId: string, opts?: PauseOptions): Promise<CampaignInfo>;
  resumeCampaign(campaignId: string): Promise<CampaignInfo>;
  /** Moves a scheduled campaign's start (ISO 8601 with an offset, or a Date). */
  rescheduleCampaign(campaignId: string, sendAt: string | Date): Promise<CampaignInfo>;
  /** Sets (or, with null, removes) a campaign's budget cap: raise it for a campaign paused by its budget, then resume it. */
  setMaxCost(campaignId: string, maxCost: number | null): Promise<CampaignInfo>;
  /**
   * Queues a new campaign (`parentId` set) to the recipients of an ended campaign whose result is in `status`
   * (default failed, expired, undelivered, not-sent), with its settings and, unless given, its content; those
   * suppressed or at the frequency cap now are left out and counted. NOTHING_TO_RESEND when none is left.
   */
  resendCampaign(campaignId: string, opts?: ResendOptions): Promise<ResendResult>;
  /** Settles `unknown` recipients from the gateway's records; needs the gateway credentials. */
  settleCampaign(campaignId: string, opts?: SettleOptions): Promise<SettleResult>;
  /** @deprecated The old name of settleCampaign, kept working. */
  reconcileCampaign(campaignId: string, opts?: SettleOptions): Promise<SettleResult>;
  /** The gateway balance and what it pays for; needs the gateway credentials. */
  balance(): Promise<BalanceInfo>;
  /** Pauses the whole queue: no batch of any campaign starts until resume(). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Why sending is stopped for the whole account, or null. */
  accountStop(): Promise<AccountStop | null>;
  /** Every gateway account: its stop and breaker, its balance (unless `{ balance: false }`), its limits and routing. */
  accounts(opts?: AccountListOptions): Promise<AccountInfo[]>;
  /** Clears one gateway account's stop and breaker; ACCOUNT_NOT_FOUND for a name not configured. */
  resumeAccount(name: string): Promise<AccountResumed>;
  /** The account's suppression list: numbers checked at the start of every call, and never sent to. */
  suppressions: {
    add(numbers: ReadonlyArray<string>, opts?: SuppressOptions): Promise<number>;
    /** With `tenant`, only that tenant's own entries are taken off (see SuppressOptions.tenant). */
    remove(numbers: ReadonlyArray<string>, opts?: { tenant?: string }): Promise<number>;
    /** The entry that binds the campaigns of `tenant` (its own list's too, with SMS_SUPPRESSION_SCOPE=tenant). */
    check(number: string, opts?: { tenant?: string }): Promise<Suppression | null>;
    /** Rows from `readRecipients` (CSV numbers, or NDJSON `{number, reason?}`), streamed. */
    import(rows: AsyncIterable<RawRow>, opts?: SuppressOptions): Promise<SuppressImportResult>;
    /** The shared list, then (SMS_SUPPRESSION_SCOPE=tenant) `tenant`'s own list, or every tenant's for an admin. */
    list(opts?: { tenant?: string }): AsyncGenerator<Suppression>;
    count(): Promise<number>;
  };
  /** Stored replies, oldest first, streamed; filtered by the campaign they are attributed to and the time received. */
  listReplies(filter?: ReplyListOptions): AsyncGenerator<StoredReply>;
  /** Webhook events whose delivery failed for good (retries exhausted, or 410 Gone), most recent first. */
  failedWebhooks(limit?: number, scope?: WebhookScope): Promise<FailedWebhook[]>;
  /** Re-sends failed webhook events by webhook-id, or all of them; WEBHOOK_NOT_FOUND for an unknown id. */
  retryWebhooks(which: string[] | 'all', scope?: WebhookScope): Promise<{ retried: string[] }>;
  close(): Promise<void>;
}

/**
 * The library API a Node backend imports. Connects to Redis and fails with REDIS_UNAVAILABLE if it cannot.
 *
 *     const smsq = await createProducer();
 *     const { campaignId } = await smsq.enqueueCampaign({ content: 'Hi', recipients: [{ number: '+44 7700 900123' }] });
 */
export async function createProducer(
  config: Config = loadConfig(),
  log: Logger = createLogger(config.logLevel),
  opts: ContextOptions = {},
): Promise<Producer> {
  return producerFromContext(await createContext(config, log, 'client', opts));
}

/** A producer over a context the caller opened (the server shares its connection with the dashboard); close() closes it. */
export function producerFromContext(ctx: Context): Producer {
  let queries: GatewayQueries | undefined;
  const gateway = (): GatewayQueries => {
    const g = ctx.config.gateway;
    if (!gatewayConfigured(ctx)) {
      throw new SmsqError('GATEWAY_NOT_CONFIGURED', 'This needs the gateway credentials: set SMS_API_KEY, SMS_API_SECRET and SMS_APP_ID.');
    }
    return (queries ??= new GatewayQueries(g, ctx.log.child({ component: 'gateway-queries' })));
  };
  let gateways: AccountGateways | undefined;
  const accountQueries = (account: string): GatewayQueries => (gateways ??= new AccountGateways(ctx.config, ctx.log)).queries(account);
  /** Each account's queries for the balance check: the sole default account's are SMS_API_*'s, as they always were. */
  const balanceQueries = (): ((account: string) => GatewayQueries) => {
    if (!soleDefault(ctx)) return accountQueries;
    const q = gateway();
    return () => q;
  };
  /** Every account's queries, for settling and recovery: the sole default account's are SMS_API_*'s, as they always were. */
  const recordQueries = (): AccountQueries => (soleDefault(ctx) ? gateway() : (gateways ??= new AccountGateways(ctx.config, ctx.log)));
  return {
    enqueueCampaign: ({ balanceCheck: mode, recoverSince, ...opts }) => {
      // `auto` checks only where the gateway credentials are at hand (SMS_ACCOUNTS' accounts always have theirs);
      // the other modes need them.
      const check = mode === 'auto' && soleDefault(ctx) && !gatewayConfigured(ctx) ? undefined : mode;
      // The balance first, the caller's hook (a tenant's daily reservation) last: what reserves is the step just
      // before the commit, so no later refusal has to give it back, and the gateway's answer is not awaited holding it.
      const checked = check
        ? { ...opts, beforeCommit: composeBeforeCommit(balanceCheck(ctx, balanceQueries(), check), opts.beforeCommit) }
        : opts;
      return recoverSince === undefined ? enqueueCampaign(ctx, checked) : enqueueRecovering(ctx, recordQueries, recoverSince, checked);
    },
    previewCampaign: (opts) => previewCampaign(ctx, opts),
    getCampaign: (id) => getCampaign(ctx, id),
    listCampaigns: (opts) => listCampaigns(ctx, opts),
    workerCount: () => workerCount(ctx),
    campaignResults: (id, opts) => campaignResults(ctx, id, opts),
    traceRecipient: (id, number) => traceRecipient(ctx, id, number),
    cancelCampaign: (id) => cancelCampaign(ctx, id),
    pauseCampaign: (id, opts) => pauseCampaign(ctx, id, opts),
    resumeCampaign: (id) => resumeCampaign(ctx, id),
    rescheduleCampaign: (id, sendAt) => rescheduleCampaign(ctx, id, sendAt),
    setMaxCost: (id, maxCost) => setMaxCost(ctx, id, maxCost),
    resendCampaign: (id, opts) => resendCampaign(ctx, id, opts),
    settleCampaign: async (id, opts) => settleCampaign(ctx, recordQueries(), id, opts),
    reconcileCampaign: async (id, opts) => settleCampaign(ctx, recordQueries(), id, opts),
    balance: async () => readBalance(ctx, gateway()),
    pause: () => pauseSending(ctx),
    resume: () => resumeSending(ctx),
    accountStop: () => readAccountStop(ctx),
    accounts: (opts) => listAccounts(ctx, accountQueries, opts),
    resumeAccount: (name) => resumeAccount(ctx, name),
    suppressions: {
      add: (numbers, opts) => suppressNumbers(ctx, numbers, opts),
      remove: (numbers, opts) => unsuppressNumbers(ctx, numbers, opts),
      check: (number, opts) => checkSuppressed(ctx, number, opts),
      import: (rows, opts) => importSuppressions(ctx, rows, opts),
      list: (opts) => listSuppressions(ctx, opts),
      count: () => ctx.suppressions.count(),
    },
    listReplies: (filter = {}) =>
      ctx.replies.list({ campaignId: filter.campaignId, since: filter.since instanceof Date ? filter.since.getTime() : filter.since }),
    failedWebhooks: (limit, scope) => failedWebhooks(ctx, limit, scope),
    retryWebhooks: (which, scope) => retryWebhooks(ctx, which, scope),
    close: async () => {
      queries?.close();
      gateways?.close();
      await ctx.close();
    },
  };
}

/** @deprecated The old name of SettleOptions. */
type ReconcileOptions = SettleOptions;
/** @deprecated The old name of SettleResult. */
type ReconcileResult = SettleResult;

export type {
  EnqueueOptions,
  EnqueueResult,
  PreviewOptions,
  PreviewResult,
  BalanceInfo,
  AccountInfo,
  AccountListOptions,
  AccountResumed,
  SettleOptions,
  SettleResult,
  ResendOptions,
  ResendResult,
  ReconcileOptions,
  ReconcileResult,
  ResultsOptions,
  PauseOptions,
  Suppression,
  SuppressImportResult,
  SuppressOptions,
  StoredReply,
  FailedWebhook,
  RecipientTrace,
  TraceStep,
};

/** Credentials set, or the local simulator (which needs none). */
function gatewayConfigured(ctx: Context): boolean {
  const g = ctx.config.gateway;
  return isLocalGateway(g.baseUrl) || Boolean(g.apiKey && g.apiSecret && g.appId);
}

export type { ListOptions, CampaignPage };

/** Workers connected to the batch queue; null where Redis will not list its clients. */
export async function workerCount(ctx: Context): Promise<number | null> {
  try {
    return (await ctx.queues.batches.getWorkers()).length;
  } catch {
    return null;
  }
}
