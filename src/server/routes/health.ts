/**
 * GET /healthz: the process answers. GET /readyz: Redis answers and sending is not stopped for the whole account;
 * 503 otherwise, with the reason in the body. An operator's pause (`smsq pause`) is deliberate: still ready.
 */
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../shared/context';
import { accountStopJson } from '../../shared/campaign-json';
import { readAccountStop } from '../../shared/sending-control';
import type { ServerDeps } from '../app';

export interface Readiness {
  ready: boolean;
  redis: 'ok' | 'unreachable';
  queue: 'running' | 'paused' | 'account-stop' | 'unknown';
  accountStop?: ReturnType<typeof accountStopJson>;
}

/** A probe must answer within its own timeout even when Redis hangs. */
const PING_TIMEOUT_MS = 1_000;

export async function redisAnswers(ctx: Context): Promise<boolean> {
  if (ctx.redis.status !== 'ready') return false;
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), PING_TIMEOUT_MS).unref());
  return Promise.race([ctx.redis.ping().then(() => true, () => false), timeout]);
}

export async function readiness(ctx: Context): Promise<Readiness> {
  if (!(await redisAnswers(ctx))) return { ready: false, redis: 'unreachable', queue: 'unknown' };
  const [stop, paused] = await Promise.all([readAccountStop(ctx), ctx.queues.batches.isPaused()]);
  if (stop) return { ready: false, redis: 'ok', queue: 'account-stop', accountStop: accountStopJson(stop) };
  return { ready: true, redis: 'ok', queue: paused ? 'paused' : 'running' };
}

export async function healthRoutes(app: FastifyInstance, { ctx }: ServerDeps): Promise<void> {
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_req, reply) => {
    const r = await readiness(ctx);
    return reply.code(r.ready ? 200 : 503).send(r);
  });
}
