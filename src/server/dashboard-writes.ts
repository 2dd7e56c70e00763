/**
 * The one kind of change bull-board may make here: retrying failed jobs. Its other writes would let whoever holds
 * the dashboard login forge or reorder work behind smsq's back — add a job (a webhook event the workers sign and
 * POST anywhere, a batch of another campaign), edit a job's data, promote a delayed job (a scheduled campaign sent
 * before its sendAt, a parked batch of a paused campaign), change priorities or delays — or lose recipients (remove,
 * clean, empty or obliterate jobs a campaign still needs). bull-board can only switch all of its writes off at once
 * (readOnlyMode, DASHBOARD_READ_ONLY), so the others are refused here, by route, before bull-board sees them.
 * Pausing and resuming sending belong to `smsq pause` / `smsq resume` and the console, which keep their records.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../shared/context';
import type { Queues } from '../shared/queues';
import { LOOPBACK_CONSOLE } from './auth';
import { ApiError, sendError } from './errors';

/** bull-board's routes (below its base path) that may change something, as the only ones allowed to. */
const RETRY_JOB = '/api/queues/:queueName/:jobId/retry';
const RETRY_ALL = '/api/queues/:queueName/retry/:queueStatus';

type BoardQueue = Exclude<keyof Queues, 'close'>;
type RetryParams = { queueName?: string; jobId?: string; queueStatus?: string };

/**
 * onRequest hook of the dashboard. A failed job is safe to retry: a batch knows what it already sent, a split job
 * releases batches by deterministic id, and a webhook event is re-sent with the same id and bytes. A completed job
 * is not retried (its work is done; a batch's run again would only repeat its events).
 */
export function dashboardWritesAllowed(queues: Queues) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method === 'GET' || req.method === 'HEAD') return;
    const route = req.routeOptions.url ?? '';
    const params = req.params as RetryParams;
    if (route.endsWith(RETRY_ALL) && params.queueStatus === 'failed') return;
    if (route.endsWith(RETRY_JOB) && (await isFailed(queues, params))) return;
    return sendError(
      req,
      reply,
      new ApiError(
        'FORBIDDEN',
        'the dashboard can look at jobs and retry failed ones, nothing else: adding, editing, promoting, removing or cleaning jobs is refused (pause or resume sending with smsq pause / smsq resume or the console)',
      ),
    );
  };
}

/**
 * onResponse hook of the dashboard: a retry it allowed, and that bull-board carried out, goes into the audit trail
 * as `jobs.retry` (the queue, and the job or `failed` for all), under the dashboard's login.
 */
export function recordDashboardWrites(ctx: Context) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method === 'GET' || req.method === 'HEAD' || reply.statusCode >= 300) return;
    const route = req.routeOptions.url ?? '';
    if (!route.endsWith(RETRY_JOB) && !route.endsWith(RETRY_ALL)) return;
    const { queueName, jobId, queueStatus } = req.params as RetryParams;
    // Without a dashboard login the server is on 127.0.0.1 and whoever reaches it is the loopback console.
    await ctx.audit.record(req.principal ?? LOOPBACK_CONSOLE, {
      action: 'jobs.retry',
      changes: { queue: queueName, ...(jobId ? { jobId } : { status: queueStatus }) },
    });
  };
}

async function isFailed(queues: Queues, { queueName, jobId }: RetryParams): Promise<boolean> {
  if (!queueName || !jobId || !Object.hasOwn(queues, queueName) || queueName === 'close') return false;
  return (await queues[queueName as BoardQueue].getJobState(jobId)) === 'failed';
}
