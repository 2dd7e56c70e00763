/**
 * A campaign as the HTTP API and `smsq ... --json` show it: the library's CampaignInfo with its times in ISO 8601
 * (the library keeps epoch milliseconds, which are what code compares and adds). One function, so the API, the
 * console and the CLI cannot disagree on a field.
 */
import type { AccountStop } from './sending-control';
import type { CampaignInfo } from './types';

export type CampaignJson = Omit<CampaignInfo, 'createdAt' | 'finishedAt'> & { createdAt: string; finishedAt?: string };

export const isoTime = (ms: number): string => new Date(ms).toISOString();

export function campaignJson(info: CampaignInfo): CampaignJson {
  const { createdAt, finishedAt, ...rest } = info;
  return { ...rest, createdAt: isoTime(createdAt), ...(finishedAt === undefined ? {} : { finishedAt: isoTime(finishedAt) }) };
}

/** An account-level stop as the API shows it: `at` in ISO 8601. */
export function accountStopJson(stop: AccountStop): Omit<AccountStop, 'at'> & { at: string } {
  return { ...stop, at: isoTime(stop.at) };
}
