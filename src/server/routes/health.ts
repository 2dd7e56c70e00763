/**
 * GET /healthz: the process answers. GET /readyz: Redis takes writes and sending is not stopped for the whole
 * account; 503 otherwise, with the reason in the body. An operator's pause (`smsq pause`) is deliberate: still ready.
 */
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../shared/context';
import { accountStopJson } from '../../shared/campaign/json';
import { redisRefusal, type RedisRefusal } from '../../shared/redis/errors';
import { readAccountStop } from '../../shared/campaign/sending-control';
import type { ServerDeps } from '../app';

export interface Readiness {
  ready: boolean;
  /** `full` and `read-only`: Redis answers but refuses writes, so no campaign could be queued or sent. */
  redis: 'ok' | 'unreachable' | RedisRefusal;
  queue: 'running' | 'paused' | 'account-stop' | 'unknown';
  accountStop?: ReturnType<typeof accountStopJson>;
}

/** A probe must answer within its own timeout even when Redis hangs. */
const PING_TIMEOUT_MS = 1_000;
/** The probe key outlives a probe only briefly: one small key per prefix, whatever the probing rate. */
const PROBE_TTL_MS = 10_000;

export async function redisAnswers(ctx: Context): Promise<boolean> {
  if (ctx.redis.status !== 'ready') return false;
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), PING_TIMEOUT_MS).unref());
  return Promise.race([
    ctx.redis.ping().then(
      () => true,
      () => false,
    ),
    timeout,
  ]);
}

/**
 * Whether Redis takes a write, by making one: a PING answers on a full Redis (OOM under noeviction), a read-only
 * replica and a primary short of `min-replicas-to-write`, where every enqueue and every batch would be refused.
 */
async function redisTakesWrites(ctx: Context): Promise<Readiness['redis']> {
  if (ctx.redis.status !== 'ready') return 'unreachable';
  const timeout = new Promise<'unreachable'>((resolve) => setTimeout(() => resolve('unreachable'), PING_TIMEOUT_MS).unref());
  const probe = ctx.redis.set(ctx.keys.readyProbe(), String(Date.now()), 'PX', PROBE_TTL_MS).then(
    () => 'ok' as const,
    (err: unknown) => redisRefusal(err) ?? 'unreachable',
  );
  return Promise.race([probe, timeout]);
}

export async function readiness(ctx: Context): Promise<Readiness> {
  const redis = await redisTakesWrites(ctx);
  if (redis !== 'ok') return { ready: false, redis, queue: 'unknown' };
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
