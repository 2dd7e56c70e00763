import type { Config } from '../shared/config';
import { loadConfig } from '../shared/config';
import { createContext, type Context } from '../shared/context';
import { createLogger, Logger } from '../shared/logger';
import type { CampaignInfo, RecipientResult } from '../shared/types';
import { AccountStop, pauseSending, readAccountStop, resumeSending } from '../shared/sending-control';
import { cancelCampaign, campaignResults, getCampaign } from './campaign-admin';
import { enqueueCampaign, EnqueueOptions, EnqueueResult } from './enqueue';

export interface Producer {
  enqueueCampaign(opts: EnqueueOptions): Promise<EnqueueResult>;
  getCampaign(campaignId: string): Promise<CampaignInfo>;
  campaignResults(campaignId: string): AsyncGenerator<RecipientResult>;
  cancelCampaign(campaignId: string): Promise<CampaignInfo>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Why sending is stopped for the whole account, or null. */
  accountStop(): Promise<AccountStop | null>;
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
  return {
    enqueueCampaign: (opts) => enqueueCampaign(ctx, opts),
    getCampaign: (id) => getCampaign(ctx, id),
    campaignResults: (id) => campaignResults(ctx, id),
    cancelCampaign: (id) => cancelCampaign(ctx, id),
    pause: () => pauseSending(ctx),
    resume: () => resumeSending(ctx),
    accountStop: () => readAccountStop(ctx),
    close: () => ctx.close(),
  };
}

export type { EnqueueOptions, EnqueueResult };
