import type { Producer } from '../../src/producer';
import type { CampaignInfo } from '../../src/shared/types';
import { waitFor } from './env';

/** Polls until the campaign has ended with every recipient settled (completed, failed or cancelled); its info then. */
export function campaignEnded(producer: Producer, campaignId: string, timeoutMs = 60_000): Promise<CampaignInfo> {
  return waitFor(`campaign ${campaignId} to end`, async () => {
    const info = await producer.getCampaign(campaignId);
    return ['completed', 'failed', 'cancelled'].includes(info.state) && info.counts.pending === 0 ? info : undefined;
  }, timeoutMs);
}
