/**
 * Redis key names. Everything lives under the queue prefix, so a Redis Cluster prefix with a hash tag
 * (`{smsq}`) keeps the queue and the campaign records in one slot, as the Lua scripts need.
 */
export interface Keys {
  /** Hash: a campaign's fields and counters. */
  campaign(campaignId: string): string;
  /** Hash: a batch's recipients (`r`), outcomes (`o`), in-flight call (`fly`) and state (`st`). */
  batch(campaignId: string, batch: number): string;
  /** String: held while a producer stages a campaign, so two producers cannot stage one id at once. */
  staging(campaignId: string): string;
  /** String (JSON): why sending stopped for the whole account, set with the queue pause. */
  accountStop(): string;
}

export function keys(prefix: string): Keys {
  return {
    campaign: (id) => `${prefix}:campaign:${id}`,
    batch: (id, k) => `${prefix}:campaign:${id}:batch:${k}`,
    staging: (id) => `${prefix}:campaign:${id}:staging`,
    accountStop: () => `${prefix}:account-stop`,
  };
}

/** BullMQ job ids may not contain ':' and may not be all digits; campaign ids are checked to allow this form. */
export const jobIds = {
  campaign: (campaignId: string) => `c.${campaignId}`,
  batch: (campaignId: string, batch: number) => `b.${campaignId}.${batch}`,
};
