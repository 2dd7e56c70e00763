import { DelayedError, type Job } from 'bullmq';
import type { Logger } from '../shared/logger';
import { redisRefusal } from '../shared/redis/errors';

/** How long a job that met Redis refusing a write waits (plus up to half again, so that jobs spread) before it runs again. */
const REDIS_REFUSED_RETRY_MS = 2_000;

/**
 * Wraps a job processor: a run that meets Redis full (OOM under `noeviction`) or read-only puts its job back
 * in the delayed set, using no attempt — it is Redis that has to recover, as with a durability refusal, and a batch
 * whose attempts ran out would leave its recipients pending. Every run can be repeated: a batch's record says what
 * was sent, and a call its run left in flight is settled `unknown` by the next run, never sent again. When Redis
 * refuses even that move, the error goes to BullMQ; the job's lock then lapses and it comes back as stalled once
 * Redis takes writes again.
 */
export function retryOnRedisRefusal<J extends Job, R>(
  log: Logger,
  processor: (job: J, token?: string) => Promise<R>,
): (job: J, token?: string) => Promise<R> {
  return async (job, token) => {
    try {
      return await processor(job, token);
    } catch (err) {
      const refusal = redisRefusal(err);
      // A connection that dropped (a failover, a restart) is left to BullMQ as before: putting the job back from
      // here then, against a primary that may not have the run's in-flight record, sent recipients twice in the
      // failover test (6,750 of 40,000 with REDIS_DURABILITY=none; 0 without this path).
      if (!refusal || refusal === 'unreachable' || token === undefined) throw err;
      log.warn(
        { queue: job.queueName, jobId: job.id, refusal, err },
        'Redis refused this run; the job comes back in a few seconds, using no attempt',
      );
      try {
        await job.moveToDelayed(Date.now() + REDIS_REFUSED_RETRY_MS * (1 + Math.random() / 2), token);
      } catch {
        throw err;
      }
      throw new DelayedError();
    }
  };
}
