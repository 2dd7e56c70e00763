import type { Queue } from 'bullmq';

/**
 * A worker clock a test moves past a canary's hold once what it waits for has arrived (reports, clicks, replies), then
 * promotes the canary check job (`k.<campaignId>`): no test waits out an hour. Back to real time after each test.
 */
export function canaryClock(campaigns: () => Pick<Queue, 'getJob'>): {
  clock: { now: () => number };
  judgeNow: (campaignId: string, holdMs?: number) => Promise<void>;
} {
  let offset = 0;
  afterEach(() => {
    offset = 0;
  });
  return {
    clock: { now: () => Date.now() + offset },
    async judgeNow(campaignId, holdMs = 3_600_000) {
      offset = holdMs;
      await (await campaigns().getJob(`k.${campaignId}`))?.promote();
    },
  };
}
