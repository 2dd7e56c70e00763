import type { Config } from '../shared/config';
import { loadConfig } from '../shared/config';
import { createContext, type Context } from '../shared/context';
import { createLogger, Logger } from '../shared/logger';
import type { CampaignInfo, RecipientResult } from '../shared/types';
import { AccountStop, pauseSending, readAccountStop, resumeSending } from '../shared/sending-control';
import { cancelCampaign, campaignResults, getCampaign } from './campaign-admin';
import { enqueueCampaign, EnqueueOptions, EnqueueResult } from './enqueue';
import { balanceCheck, readBalance, type BalanceCheckMode, type BalanceInfo } from './balance';
import { reconcileCampaign, type ReconcileOptions, type ReconcileResult } from './reconcile';
import { SmsqError } from '../shared/errors';
import { failedWebhooks, retryWebhooks, type FailedWebhook } from './webhooks-admin';
import { GatewayQueries } from '../shared/gateway/queries';
import { isLocalGateway } from '../shared/config';

export interface ProducerEnqueueOptions extends EnqueueOptions {
  /** Check the gateway balance against the last known price first: warn, or refuse (BALANCE_INSUFFICIENT). */
  balanceCheck?: BalanceCheckMode;
}

export interface Producer {
  enqueueCampaign(opts: ProducerEnqueueOptions): Promise<EnqueueResult>;
  getCampaign(campaignId: string): Promise<CampaignInfo>;
  campaignResults(campaignId: string): AsyncGenerator<RecipientResult>;
  cancelCampaign(campaignId: string): Promise<CampaignInfo>;
  /** Settles `unknown` recipients from the gateway's records; needs the gateway credentials. */
  reconcileCampaign(campaignId: string, opts?: ReconcileOptions): Promise<ReconcileResult>;
  /** The gateway balance and what it pays for; needs the gateway credentials. */
  balance(): Promise<BalanceInfo>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Why sending is stopped for the whole account, or null. */
  accountStop(): Promise<AccountStop | null>;
  /** Webhook events whose delivery failed for good (retries exhausted, or 410 Gone), most recent first. */
  failedWebhooks(limit?: number): Promise<FailedWebhook[]>;
  /** Re-sends failed webhook events by webhook-id, or all of them; WEBHOOK_NOT_FOUND for an unknown id. */
  retryWebhooks(which: string[] | 'all'): Promise<{ retried: string[] }>;
  close(): Promise<void>;
}

/**
 * The library API a Node backend imports. Connects to Redis and fails with REDIS_UNAVAILABLE if it cannot.
 *
 *     const smsq = await createProducer();
 *     const { campaignId } = await smsq.enqueueCampaign({ content: 'Hi', recipients: [{ number: '+44 7700 900123' }] });
 */
export async function createProducer(config: Config = loadConfig(), log: Logger = createLogger(config.logLevel)): Promise<Producer> {
  return producerFromContext(await createContext(config, log, 'client'));
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
  return {
    enqueueCampaign: ({ balanceCheck: mode, ...opts }) => {
      // `auto` checks only where the gateway credentials are at hand; the other modes need them.
      const check = mode === 'auto' && !gatewayConfigured(ctx) ? undefined : mode;
      return enqueueCampaign(ctx, check ? { ...opts, beforeCommit: balanceCheck(ctx, gateway(), check) } : opts);
    },
    getCampaign: (id) => getCampaign(ctx, id),
    campaignResults: (id) => campaignResults(ctx, id),
    cancelCampaign: (id) => cancelCampaign(ctx, id),
    reconcileCampaign: async (id, opts) => reconcileCampaign(ctx, gateway(), id, opts),
    balance: async () => readBalance(ctx, gateway()),
    pause: () => pauseSending(ctx),
    resume: () => resumeSending(ctx),
    accountStop: () => readAccountStop(ctx),
    failedWebhooks: (limit) => failedWebhooks(ctx, limit),
    retryWebhooks: (which) => retryWebhooks(ctx, which),
    close: async () => {
      queries?.close();
      await ctx.close();
    },
  };
}

export type { EnqueueOptions, EnqueueResult, BalanceInfo, ReconcileOptions, ReconcileResult, FailedWebhook };

/** Credentials set, or the local simulator (which needs none). */
function gatewayConfigured(ctx: Context): boolean {
  const g = ctx.config.gateway;
  return isLocalGateway(g.baseUrl) || Boolean(g.apiKey && g.apiSecret && g.appId);
}
