/** POST /v1/queue/pause and /v1/queue/resume: sending for the whole queue, as `smsq pause` / `smsq resume`. */
import type { FastifyInstance } from 'fastify';
import { accountStopJson } from '../../shared/campaign/json';
import type { ServerDeps } from '../app';

export async function queueRoutes(app: FastifyInstance, { producerFor, log }: ServerDeps): Promise<void> {
  app.post('/v1/queue/pause', async (req) => {
    await producerFor(req).pause();
    log.info('sending paused through the API');
    return { paused: true };
  });

  // Also clears an account-level stop (after a top-up, a fixed key…): the answer says which stop it cleared.
  app.post('/v1/queue/resume', async (req) => {
    const producer = producerFor(req);
    const clearedAccountStop = await producer.accountStop();
    await producer.resume();
    log.info({ clearedAccountStop }, 'sending resumed through the API');
    return { paused: false, clearedAccountStop: clearedAccountStop && accountStopJson(clearedAccountStop) };
  });
}
