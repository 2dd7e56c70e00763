/**
 * A campaign's progress over time, for the console's chart: FINISH_BATCH appends the campaign's cumulative
 * sent / failed / unknown after every batch it counts (one RPUSH on a path that already writes the hash), so the
 * record costs no extra round trip and is there whoever watches. Cumulative samples make rates a difference of
 * two samples; the list is trimmed to its last SERIES_MAX_SAMPLES and expires with the campaign.
 */
import type { Keys } from '../redis/keys';
import type { RedisClient } from '../redis/connection';

/** 2,000 batches: a 2,000,000-recipient campaign whole, the last 2,000 batches of a larger one. */
export const SERIES_MAX_SAMPLES = 2_000;

export interface SeriesSample {
  /** When the batch was counted, ms since the epoch. */
  at: number;
  sent: number;
  failed: number;
  unknown: number;
}

export async function readSeries(redis: RedisClient, keys: Keys, campaignId: string): Promise<SeriesSample[]> {
  const raw = await redis.lrange(keys.campaignSeries(campaignId), 0, -1);
  return raw.map((line) => {
    const [at, sent, failed, unknown] = line.split(',').map(Number);
    return { at, sent, failed, unknown };
  });
}
